/// An array that keeps its first element inline and only the rest in a heap buffer. Almost
/// every key has one generation holding one revision; with plain arrays each key's history
/// would pay for two extra heap buffers (~130 bytes), which adds up at millions of keys.
struct InlineFirstArray<Element>: RandomAccessCollection, ExpressibleByArrayLiteral {
    private var head: Element?
    private var tail: [Element] = []

    init() {}

    init(arrayLiteral elements: Element...) {
        for element in elements { append(element) }
    }

    typealias Index = Int
    typealias Indices = Range<Int>

    var startIndex: Int { 0 }
    var endIndex: Int { head == nil ? 0 : tail.count + 1 }
    var indices: Range<Int> { startIndex..<endIndex }

    func index(after i: Int) -> Int { i + 1 }
    func index(before i: Int) -> Int { i - 1 }

    subscript(position: Int) -> Element {
        get {
            precondition(position >= 0 && position < endIndex, "index \(position) out of range")
            return position == 0 ? head! : tail[position - 1]
        }
        // In place, so mutating an element (appending to a nested array) does not copy it.
        _modify {
            precondition(position >= 0 && position < endIndex, "index \(position) out of range")
            if position == 0 { yield &head! } else { yield &tail[position - 1] }
        }
    }

    mutating func append(_ element: Element) {
        if head == nil { head = element } else { tail.append(element) }
    }

    /// Removes the first `k` elements (0...count).
    mutating func removeFirst(_ k: Int) {
        precondition(k >= 0 && k <= count, "cannot remove \(k) of \(count) elements")
        guard k > 0 else { return }
        if k == count {
            head = nil
            tail = []
            return
        }
        head = tail[k - 1]
        tail.removeFirst(k)
        // Give the buffer back once only the inline element is left.
        if tail.isEmpty { tail = [] }
    }
}
