package dev.pith.core.buffer; final class Placeholder {}
