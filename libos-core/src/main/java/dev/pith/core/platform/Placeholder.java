package dev.pith.core.platform; final class Placeholder {}
