import Foundation
import Testing

@testable import KVStore

/// A seeded generator, so a failing randomized run can be replayed.
private struct TreeRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random keys of 0–6 bytes over a small alphabet (including 0x00 and 0xff), so prefixes,
/// duplicates and the empty key all occur.
private func randomKey(_ rng: inout TreeRandom) -> Data {
    let alphabet: [UInt8] = [0x00, 0x01, 0x61, 0x62, 0x7f, 0xff]
    let length = Int.random(in: 0...6, using: &rng)
    return Data((0..<length).map { _ in alphabet.randomElement(using: &rng)! })
}

/// The reference: a dictionary, sorted on demand with the same byte order etcd uses.
private func sortedEntries(_ model: [Data: Int]) -> [(Data, Int)] {
    model.sorted { compareBytes($0.key, $1.key) < 0 }.map { ($0.key, $0.value) }
}

private func entries(_ tree: KeyTree<Int>, from start: Data? = nil, limit: Int = .max) -> [(Data, Int)] {
    var out: [(Data, Int)] = []
    tree.forEach(from: start) { key, value in
        out.append((key, value))
        return out.count < limit
    }
    return out
}

private func same(_ a: [(Data, Int)], _ b: [(Data, Int)]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
}

@Suite("KeyTree (B+ tree index)")
struct KeyTreeTests {
    @Test("empty tree: no values, empty scans")
    func empty() {
        let tree = KeyTree<Int>()
        #expect(tree.count == 0)
        #expect(tree.value(for: Data("a".utf8)) == nil)
        #expect(entries(tree).isEmpty)
        #expect(entries(tree, from: Data()).isEmpty)
        #expect(tree.checkInvariants())
    }

    @Test("valueInserting returns the existing value and does not call make again")
    func insertIsIdempotent() {
        let tree = KeyTree<Int>()
        #expect(tree.valueInserting(Data("k".utf8)) { 1 } == 1)
        var called = false
        #expect(tree.valueInserting(Data("k".utf8)) { called = true; return 2 } == 1)
        #expect(!called)
        #expect(tree.count == 1)
    }

    @Test("randomized inserts, lookups, scans and removals agree with a dictionary model", arguments: [1, 2, 3, 4])
    func randomizedModel(seed: UInt64) {
        var rng = TreeRandom(state: seed)
        let tree = KeyTree<Int>()
        var model: [Data: Int] = [:]
        for step in 0..<6000 {
            let key = randomKey(&rng)
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<70:
                let got = tree.valueInserting(key) { step }
                if model[key] == nil { model[key] = step }
                #expect(got == model[key])
            case 70..<85:
                #expect(tree.value(for: key) == model[key])
            case 85..<98:
                let limit = Int.random(in: 1...20, using: &rng)
                let expected = sortedEntries(model).filter { compareBytes($0.0, key) >= 0 }.prefix(limit)
                #expect(same(entries(tree, from: key, limit: limit), Array(expected)), "scan from \(key as NSData)")
            default:
                let cut = Int.random(in: 0..<6000, using: &rng)
                tree.removeAll { _, value in value % 7 == cut % 7 }
                model = model.filter { $0.value % 7 != cut % 7 }
                #expect(tree.checkInvariants())
            }
            #expect(tree.count == model.count)
        }
        #expect(tree.checkInvariants())
        #expect(same(entries(tree), sortedEntries(model)))
    }

    @Test("sequential and reverse inserts of 20,000 keys keep the tree balanced and ordered")
    func manyKeys() {
        for reverse in [false, true] {
            let tree = KeyTree<Int>()
            let numbers = reverse ? Array((0..<20_000).reversed()) : Array(0..<20_000)
            for n in numbers {
                _ = tree.valueInserting(Data(String(format: "key%06d", n).utf8)) { n }
            }
            #expect(tree.count == 20_000)
            #expect(tree.checkInvariants())
            let all = entries(tree)
            #expect(all.map(\.1) == Array(0..<20_000))
            #expect(tree.value(for: Data("key012345".utf8)) == 12_345)
            #expect(tree.value(for: Data("key0123450".utf8)) == nil)
            // A scan starting between keys starts at the next larger one.
            #expect(entries(tree, from: Data("key0099995".utf8), limit: 2).map(\.1) == [10_000, 10_001])
        }
    }

    @Test("removing everything, then inserting again, works")
    func removeAllThenReuse() {
        let tree = KeyTree<Int>()
        for n in 0..<1000 { _ = tree.valueInserting(Data("k\(n)".utf8)) { n } }
        tree.removeAll { _, _ in true }
        #expect(tree.count == 0)
        #expect(entries(tree).isEmpty)
        #expect(tree.checkInvariants())
        for n in 0..<300 { _ = tree.valueInserting(Data("k\(n)".utf8)) { n + 1 } }
        #expect(tree.count == 300)
        #expect(tree.value(for: Data("k7".utf8)) == 8)
        #expect(tree.checkInvariants())
    }

    @Test("removing every other key of a large tree keeps lookups and order right")
    func removeHalf() {
        let tree = KeyTree<Int>()
        for n in 0..<5000 { _ = tree.valueInserting(Data(String(format: "%05d", n).utf8)) { n } }
        tree.removeAll { _, value in value % 2 == 1 }
        #expect(tree.count == 2500)
        #expect(tree.checkInvariants())
        #expect(tree.value(for: Data("00011".utf8)) == nil)
        #expect(tree.value(for: Data("00012".utf8)) == 12)
        #expect(entries(tree).map(\.1) == Array(stride(from: 0, to: 5000, by: 2)))
        // Inserts after a rebuild split the filled leaves correctly.
        for n in stride(from: 1, to: 5000, by: 2) { _ = tree.valueInserting(Data(String(format: "%05d", n).utf8)) { n } }
        #expect(tree.checkInvariants())
        #expect(entries(tree).map(\.1) == Array(0..<5000))
    }
}

@Suite("KeyIndex on the B+ tree")
struct KeyIndexTreeTests {
    @Test("range scans over many keys see exactly the keys in [key, end), from-key and prefix ranges")
    func ranges() {
        let index = KeyIndex()
        var rng = TreeRandom(state: 42)
        var keys = Set<Data>()
        var rev: Int64 = 2
        for _ in 0..<3000 {
            let key = randomKey(&rng)
            keys.insert(key)
            index.put(key, Revision(main: rev))
            rev += 1
        }
        let sorted = keys.sorted { compareBytes($0, $1) < 0 }
        for _ in 0..<200 {
            let a = randomKey(&rng), b = randomKey(&rng)
            let range = KeyRange(key: a, rangeEnd: b.isEmpty ? Data([0]) : b)
            let got = index.histories(in: range).map(\.key)
            #expect(got == sorted.filter { range.contains($0) })
        }
        let single = KeyRange(key: sorted[5], rangeEnd: Data())
        #expect(index.histories(in: single).map(\.key) == [sorted[5]])
        #expect(index.keyCount == keys.count)
    }

    @Test("compaction drops deleted keys from the index and keeps the rest in order")
    func compactionRemovesKeys() {
        let index = KeyIndex()
        for n in 0..<500 { index.put(Data(String(format: "k%03d", n).utf8), Revision(main: Int64(n + 2))) }
        for n in stride(from: 0, to: 500, by: 3) { index.tombstone(Data(String(format: "k%03d", n).utf8), Revision(main: Int64(600 + n))) }
        _ = index.compact(at: 2000)
        let left = index.histories(in: KeyRange(key: Data([0]), rangeEnd: Data([0]))).map { String(decoding: $0.key, as: UTF8.self) }
        #expect(left == (0..<500).filter { $0 % 3 != 0 }.map { String(format: "k%03d", $0) })
        #expect(index.keyCount == left.count)
        #expect(index.history(Data("k003".utf8)) == nil)
        #expect(index.history(Data("k004".utf8))?.isLive == true)
    }
}

@Suite("InlineFirstArray (compact revision and generation lists)")
struct InlineFirstArrayTests {
    @Test("appends, in-place element changes and removeFirst agree with an Array", arguments: [7, 8, 9])
    func randomizedAgainstArray(seed: UInt64) {
        var rng = TreeRandom(state: seed)
        var list = InlineFirstArray<[Int]>()
        var model: [[Int]] = []
        for step in 0..<2000 {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<5:
                list.append([step])
                model.append([step])
            case 5..<8 where !model.isEmpty:
                let i = Int.random(in: 0..<model.count, using: &rng)
                list[i].append(step)
                model[i].append(step)
            case 8 where !model.isEmpty:
                let k = Int.random(in: 0...model.count, using: &rng)
                list.removeFirst(k)
                model.removeFirst(k)
            default:
                break
            }
            #expect(Array(list) == model)
            #expect(list.count == model.count)
            #expect(list.last == model.last)
            #expect(list.lastIndex(where: { $0.count > 1 }) == model.lastIndex(where: { $0.count > 1 }))
        }
    }

    @Test("array literals and emptiness")
    func literals() {
        let empty: InlineFirstArray<Int> = []
        #expect(empty.isEmpty)
        #expect(empty.last == nil)
        let three: InlineFirstArray<Int> = [1, 2, 3]
        #expect(Array(three) == [1, 2, 3])
        #expect(three[0] == 1 && three[2] == 3)
        var one: InlineFirstArray<Int> = [5]
        one.removeFirst(1)
        #expect(one.isEmpty)
        one.append(6)
        #expect(Array(one) == [6])
    }
}
