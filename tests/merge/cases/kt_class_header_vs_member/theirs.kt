package com.example.billing

class Invoice(val id: String, val amount: Long) {
    val tax: Long get() = amount * 21 / 100
    val total: Long get() = amount + tax

    fun describe(): String = "$id: $total"
}

fun invoiceOf(id: String, amount: Long) = Invoice(id, amount)
