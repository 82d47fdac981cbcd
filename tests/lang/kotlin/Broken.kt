package com.example.broken

import java.io.File

// Reads settings from disk.
class Settings(private val path: String) {
    fun load(): Map<String, String> {
        val lines = File(path).readLines()
        val pairs = lines.map { line -> line.split("=") }
        if (pairs.isEmpty() { return emptyMap() }
        return pairs.associate { (k, v) -> k to v }
    }

    fun save(values: Map<String, String>) {
        File(path).writeText(values.entries.joinToString("\n"))
    }
}

fun defaults(): Settings = Settings("app.conf")
