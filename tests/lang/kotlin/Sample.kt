@file:JvmName("Samples")
package com.example.shop

import kotlin.math.max
import java.util.concurrent.ConcurrentHashMap as ConcurrentMap
import kotlinx.coroutines.*

/** Maximum items per cart. */
const val MAX_ITEMS = 50
val defaultCurrency = "EUR"
var requestCount = 0
private val log = Logger("shop")

typealias ItemId = String

/**
 * A product in the catalogue.
 */
data class Product(val id: ItemId, val name: String, val price: Long)

enum class Status {
    OPEN,
    PAID;

    fun isFinal(): Boolean = this == PAID
}

sealed interface Event {
    data class Added(val item: Product) : Event
    object Cleared : Event
}

interface Repository<T> {
    fun find(id: ItemId): T?
    fun save(item: T)
}

// In-memory cart.
@Suppress("unused")
class Cart(private val repo: Repository<Product>) : Iterable<Product> {
    private val items = ConcurrentMap<ItemId, Product>()
    internal var status: Status = Status.OPEN
        private set

    val size: Int
        get() = items.size

    companion object {
        const val VERSION = 2

        fun empty(): Cart = Cart(InMemoryRepository())
    }

    inner class Summary {
        fun total(): Long = items.values.sumOf { it.price }
    }

    @Throws(IllegalStateException::class)
    fun add(id: ItemId) {
        check(items.size < MAX_ITEMS) { "cart full" }
        val product = repo.find(id) ?: error("unknown $id")
        items[id] = product
        log.info("added ${product.name}")
    }

    protected open fun onChange(event: Event) {
        println(event)
    }

    private fun clear() {
        items.clear()
        onChange(Event.Cleared)
    }

    override fun iterator(): Iterator<Product> = items.values.iterator()
}

object InMemoryStore {
    private val data = mutableMapOf<ItemId, Product>()

    fun put(p: Product) {
        data[p.id] = p
    }
}

class InMemoryRepository : Repository<Product> {
    override fun find(id: ItemId): Product? = InMemoryStore.data[id]
    override fun save(item: Product) = InMemoryStore.put(item)
}

/** Formats a price in cents. */
fun Long.formatPrice(): String = "%d.%02d".format(this / 100, this % 100)

internal fun <T : Comparable<T>> List<T>.largest(): T? = maxOrNull()

suspend fun checkout(cart: Cart): Long = coroutineScope {
    val total = async { cart.Summary().total() }
    max(total.await(), 0L)
}

fun main(args: Array<String>) {
    val cart = Cart.empty()
    args.forEach(cart::add)
    println(cart.Summary().total().formatPrice())
}
