import Foundation
import UIKit.UIView
import struct Foundation.Date
@testable import ShopCore

/// Largest cart we accept.
let maxItems = 100
var sessionCount = 0

typealias Price = Decimal

/// Something with a price.
public protocol Priced {
    var price: Price { get }
    func discounted(by pct: Int) -> Price
}

/// One line of a cart.
public struct Item: Priced {
    public let sku: String
    var qty: Int
    public var price: Price { Decimal(qty) * unitPrice }
    private let unitPrice: Price

    init(sku: String, qty: Int, unitPrice: Price) {
        self.sku = sku
        self.qty = qty
        self.unitPrice = unitPrice
    }

    public func discounted(by pct: Int) -> Price {
        return Decimal(100 - pct) * price / 100
    }
}

@objc
open class Cart: NSObject {
    private var items: [Item] = []
    fileprivate static let shared = Cart()

    // Adds an item unless the cart is full.
    @discardableResult
    public func add(_ item: Item) -> Bool {
        guard items.count < maxItems else { return false }
        items.append(item)
        log("added \(item.sku)")
        return true
    }

    private func log(_ msg: String) {
        print(msg)
    }

    deinit {
        print("cart gone")
    }

    enum State {
        case open
        case paid(amount: Price)
    }
}

public enum Status: String {
    case open, paid
    case shipped

    var isDone: Bool { self != .open }
}

extension Cart: Priced {
    public var price: Price {
        return items.reduce(0) { $0 + $1.price }
    }

    func discounted(by pct: Int) -> Price {
        Decimal(100 - pct) * price / 100
    }
}

actor Ledger {
    private var entries: [String] = []

    func record(_ line: String) {
        entries.append(line)
    }
}

@available(iOS 15, *)
func checkout(_ cart: Cart) async -> Int {
    let ledger = Ledger()
    await ledger.record("checkout")
    cart.add(Item(sku: "a1", qty: 2, unitPrice: 10))
    return NSDecimalNumber(decimal: cart.price).intValue
}
