import Foundation

/// Parses numbers.
struct Parser {
    let limit = 10

    func ok(_ s: String) -> Int {
        return Int(s) ?? 0
    }

    func broken(_ s: String) -> Int {
        let x = (s.count + * 2
        return x
    }

    func after(_ s: String) -> Int? {
        return Int(s.trimmingCharacters(in: .whitespaces))
    }
}

class Tail {
    func last() -> Int { 1 }
}
