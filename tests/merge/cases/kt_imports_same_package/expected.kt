package com.example.shop

import java.util.UUID
import kotlin.math.max
import kotlin.math.min
import kotlin.math.abs

class Cart(val owner: String) {
    private val items = mutableListOf<Item>()
    val id: String = UUID.randomUUID().toString()

    fun add(item: Item): Cart {
        items.add(item)
        return this
    }

    fun size(): Int = items.sumOf { it.qty }
    fun isEmpty(): Boolean = items.isEmpty()

    fun total(): Long {
        var sum = 0L
        for (item in items) {
            sum += item.price * min(max(item.qty, 0), LIMIT)
        }
        return abs(sum)
    }

    companion object {
        const val LIMIT = 50

        fun empty(owner: String): Cart = Cart(owner)
    }
}

data class Item(val sku: String, val qty: Int, val price: Long)
