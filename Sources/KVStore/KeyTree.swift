import Foundation

/// An in-memory B+ tree from byte-ordered keys to values: O(log n) lookup and insert, and
/// ordered scans that walk linked leaves. It replaces a sorted array whose inserts moved O(n)
/// entries, which made building a large index quadratic.
///
/// Layout (struct of arrays per node, so a 1M-key tree is ~16K leaves of small arrays):
/// - a leaf holds up to `leafCapacity` entries in key order and a link to the next leaf;
/// - a branch holds n+1 children and n separators; separator i is the smallest key of child
///   i+1, so child i covers [separator i-1, separator i).
///
/// Removal is by bulk rebuild (`removeAll(where:)`): the store only drops keys at compaction,
/// which already visits every key, so rebuilding keeps the tree simple at no asymptotic cost.
final class KeyTree<Value> {
    static var leafCapacity: Int { 64 }
    static var branchCapacity: Int { 64 }

    final class Node {
        /// Leaf: the entries' keys. Branch: the separators.
        var keys: [Data] = []
        /// Leaf only: the entries' values, parallel to `keys`.
        var values: [Value] = []
        /// Branch only: keys.count + 1 children.
        var children: [Node] = []
        /// Leaf only: the leaf holding the next larger keys.
        var next: Node?

        var isLeaf: Bool { children.isEmpty }
    }

    private var root = Node()
    private(set) var count = 0

    init() {}

    // MARK: Lookup

    func value(for key: Data) -> Value? {
        let leaf = leafCovering(key)
        let i = KeyTree.lowerBound(leaf.keys, key)
        guard i < leaf.keys.count, compareBytes(leaf.keys[i], key) == 0 else { return nil }
        return leaf.values[i]
    }

    /// The value for `key`, inserting `make()` first when absent (one descent either way).
    func valueInserting(_ key: Data, _ make: () -> Value) -> Value {
        var result: Value?
        if let (separator, right) = insert(key, into: root, make, &result) {
            let newRoot = Node()
            newRoot.keys = [separator]
            newRoot.children = [root, right]
            root = newRoot
        }
        return result!
    }

    // MARK: Ordered scans

    /// Calls `body` for every entry with key >= `start` (every entry when nil), in key order,
    /// until it returns false.
    func forEach(from start: Data? = nil, _ body: (Data, Value) -> Bool) {
        var node: Node? = start.map(leafCovering) ?? leftmostLeaf()
        var i = start.map { KeyTree.lowerBound(node!.keys, $0) } ?? 0
        while let leaf = node {
            while i < leaf.keys.count {
                if !body(leaf.keys[i], leaf.values[i]) { return }
                i += 1
            }
            node = leaf.next
            i = 0
        }
    }

    // MARK: Removal

    /// Removes every entry for which `shouldRemove` is true, rebuilding the tree from the
    /// survivors (O(n)).
    func removeAll(where shouldRemove: (Data, Value) -> Bool) {
        var keys: [Data] = []
        var values: [Value] = []
        keys.reserveCapacity(count)
        values.reserveCapacity(count)
        forEach { key, value in
            if !shouldRemove(key, value) {
                keys.append(key)
                values.append(value)
            }
            return true
        }
        guard keys.count != count else { return }
        rebuild(sortedKeys: keys, values: values)
    }

    /// Replaces the contents with already sorted, distinct entries. Leaves are filled to 3/4
    /// so that following inserts do not split at once.
    private func rebuild(sortedKeys keys: [Data], values: [Value]) {
        precondition(keys.count == values.count, "keys and values differ in length")
        count = keys.count
        let leafFill = KeyTree.leafCapacity * 3 / 4
        var level: [(first: Data, node: Node)] = []
        var previous: Node?
        var start = 0
        while start < keys.count {
            let end = min(start + leafFill, keys.count)
            let leaf = Node()
            leaf.keys = Array(keys[start..<end])
            leaf.values = Array(values[start..<end])
            previous?.next = leaf
            previous = leaf
            level.append((keys[start], leaf))
            start = end
        }
        guard !level.isEmpty else { root = Node(); return }
        let branchFill = KeyTree.branchCapacity * 3 / 4
        while level.count > 1 {
            var upper: [(first: Data, node: Node)] = []
            var from = 0
            while from < level.count {
                let to = min(from + branchFill, level.count)
                let branch = Node()
                branch.children = level[from..<to].map(\.node)
                branch.keys = level[(from + 1)..<to].map(\.first)
                upper.append((level[from].first, branch))
                from = to
            }
            level = upper
        }
        root = level[0].node
    }

    // MARK: Internals

    /// Inserts below `node`; returns the separator and new right sibling when `node` split.
    private func insert(_ key: Data, into node: Node, _ make: () -> Value, _ result: inout Value?) -> (Data, Node)? {
        if node.isLeaf {
            let i = KeyTree.lowerBound(node.keys, key)
            if i < node.keys.count, compareBytes(node.keys[i], key) == 0 {
                result = node.values[i]
                return nil
            }
            let value = make()
            result = value
            node.keys.insert(key, at: i)
            node.values.insert(value, at: i)
            count += 1
            guard node.keys.count > KeyTree.leafCapacity else { return nil }
            // Inserting at the end (ascending loads: sequential keys, a growing prefix) leaves the
            // left node full instead of half empty; other inserts split in the middle.
            let appending = i == node.keys.count - 1
            return splitLeaf(node, at: appending ? node.keys.count - 1 : node.keys.count / 2)
        }
        let c = KeyTree.upperBound(node.keys, key)
        guard let (separator, right) = insert(key, into: node.children[c], make, &result) else { return nil }
        node.keys.insert(separator, at: c)
        node.children.insert(right, at: c + 1)
        guard node.children.count > KeyTree.branchCapacity else { return nil }
        let appending = c + 1 == node.children.count - 1
        return splitBranch(node, at: appending ? node.keys.count - 1 : node.keys.count / 2)
    }

    /// Moves entries from `mid` on into a new right sibling.
    private func splitLeaf(_ leaf: Node, at mid: Int) -> (Data, Node) {
        let right = Node()
        right.keys = Array(leaf.keys[mid...])
        right.values = Array(leaf.values[mid...])
        leaf.keys.removeSubrange(mid...)
        leaf.values.removeSubrange(mid...)
        right.next = leaf.next
        leaf.next = right
        return (right.keys[0], right)
    }

    /// Moves the children after separator `mid` into a new right sibling; `mid` moves up.
    private func splitBranch(_ branch: Node, at mid: Int) -> (Data, Node) {
        let separator = branch.keys[mid]
        let right = Node()
        right.keys = Array(branch.keys[(mid + 1)...])
        right.children = Array(branch.children[(mid + 1)...])
        branch.keys.removeSubrange(mid...)
        branch.children.removeSubrange((mid + 1)...)
        return (separator, right)
    }

    /// The leaf whose key interval contains `key`.
    private func leafCovering(_ key: Data) -> Node {
        var node = root
        while !node.isLeaf { node = node.children[KeyTree.upperBound(node.keys, key)] }
        return node
    }

    private func leftmostLeaf() -> Node {
        var node = root
        while !node.isLeaf { node = node.children[0] }
        return node
    }

    /// First index whose key is >= `key`.
    private static func lowerBound(_ keys: [Data], _ key: Data) -> Int {
        var lo = 0, hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if compareBytes(keys[mid], key) < 0 { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// First index whose key is > `key` (the child of a branch that covers `key`).
    private static func upperBound(_ keys: [Data], _ key: Data) -> Int {
        var lo = 0, hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if compareBytes(keys[mid], key) <= 0 { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Checks the B+ tree invariants (for tests): sorted distinct keys, separators bounding
    /// their children, all leaves at one depth and linked in order, `count` entries.
    func checkInvariants() -> Bool {
        var leaves: [Node] = []
        var depths = Set<Int>()
        guard check(root, lower: nil, upper: nil, depth: 0, &leaves, &depths), depths.count <= 1 else { return false }
        for (a, b) in zip(leaves, leaves.dropFirst()) where a.next !== b { return false }
        if leaves.last?.next != nil { return false }
        return leaves.reduce(0) { $0 + $1.keys.count } == count
    }

    private func check(_ node: Node, lower: Data?, upper: Data?, depth: Int, _ leaves: inout [Node],
                       _ depths: inout Set<Int>) -> Bool {
        for (a, b) in zip(node.keys, node.keys.dropFirst()) where compareBytes(a, b) >= 0 { return false }
        if let lower, let first = node.keys.first, compareBytes(first, lower) < 0 { return false }
        if let upper, let last = node.keys.last, compareBytes(last, upper) >= 0 { return false }
        if node.isLeaf {
            leaves.append(node)
            depths.insert(depth)
            return node.values.count == node.keys.count && node.keys.count <= KeyTree.leafCapacity
        }
        guard node.children.count == node.keys.count + 1, node.children.count <= KeyTree.branchCapacity else { return false }
        for (i, child) in node.children.enumerated() {
            let lo = i == 0 ? lower : node.keys[i - 1]
            let hi = i == node.keys.count ? upper : node.keys[i]
            if !check(child, lower: lo, upper: hi, depth: depth + 1, &leaves, &depths) { return false }
        }
        return true
    }
}
