package dev.pith.core.sys; final class Placeholder {}
