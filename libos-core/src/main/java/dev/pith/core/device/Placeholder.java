package dev.pith.core.device; final class Placeholder {}
