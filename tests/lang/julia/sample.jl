module Shop

using LinearAlgebra
using Printf: @printf, @sprintf
using Base.Iterators: take, drop as skip
import JSON
import .Util: fmt
using ..Common

export Item, Cart, add!, total

# largest number of items in one cart
const MAX_ITEMS = 100

"""
An abstract priced thing.
"""
abstract type Priced end

"""
    Item(sku, qty, price)

One line of a cart.
"""
struct Item <: Priced
    sku::String
    qty::Int
    price::Float64
end

mutable struct Cart
    items::Vector{Item}
    locked::Bool
end

Cart() = Cart(Item[], false)

# price of one line
price(i::Item) = i.qty * i.price

function _discount(p::T, pct::Int)::T where {T<:Real}
    return p * (100 - pct) / 100
end

"Add an item unless the cart is full."
function add!(c::Cart, i::Item)
    if length(c.items) >= MAX_ITEMS
        return false
    end
    push!(c.items, i)
    @info "added" i.sku
    return true
end

function total(c::Cart)::Float64
    s = 0.0
    for i in c.items
        s += price(i)
    end
    return s
end

macro logged(ex)
    quote
        println("running")
        $(esc(ex))
    end
end

module Internal
    helper(x) = x + 1

    function run(c)
        Base.println(total(c))
    end
end

primitive type Tag 8 end

end # module

function main()
    c = Shop.Cart()
    Shop.add!(c, Shop.Item("a1", 2, 10.0))
    @printf("%.2f\n", Shop.total(c))
end
