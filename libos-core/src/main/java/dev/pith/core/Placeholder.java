package dev.pith.core; final class Placeholder {}
