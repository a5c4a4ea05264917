import Foundation
import Testing

@testable import KvittMessaging

@Suite("glibc's heap: statistics and trimming")
struct HeapTests {
    /// `KVITT_MALLOC`: unset or empty is glibc's own heap, `tuned` limits the arenas, anything else is refused.
    @Test func theHeapTuningIsReadFromTheEnvironment() throws {
        #expect(try Heap.Tuning(environment: [:]) == .glibc)
        #expect(try Heap.Tuning(environment: ["KVITT_MALLOC": ""]) == .glibc)
        #expect(try Heap.Tuning(environment: ["KVITT_MALLOC": " "]) == .glibc, "blank is unset, as for every setting")
        #expect(try Heap.Tuning(environment: ["KVITT_MALLOC": "glibc"]) == .glibc)
        #expect(try Heap.Tuning(environment: ["KVITT_MALLOC": "tuned"]) == .tuned)
        #expect(throws: Heap.InvalidTuning.self) { try Heap.Tuning(environment: ["KVITT_MALLOC": "Tuned"]) }
        #expect(Heap.Tuning.setting.defaultValue == "glibc")
    }

    @Test func theWholeHeapTotalsAreTheLastOnes() throws {
        // The shape malloc_info writes: one <heap> per arena with its own totals, then the whole heap's.
        let xml = """
            <malloc version="1">
            <heap nr="0">
            <total type="fast" count="1" size="32"/>
            <total type="rest" count="2" size="1000"/>
            <system type="current" size="135168"/>
            </heap>
            <total type="fast" count="3" size="96"/>
            <total type="rest" count="5" size="4000"/>
            <total type="mmap" count="1" size="1081344"/>
            <system type="current" size="270336"/>
            <system type="max" size="51363840"/>
            </malloc>
            """
        let statistics = try #require(Heap.parse(xml))
        #expect(statistics.system == 270_336)
        #expect(statistics.free == 4_096)
        #expect(statistics.inUse == 266_240)
        #expect(Heap.parse("<malloc/>") == nil)
        #expect(Heap.parse("") == nil)
        // The whole heap's free total without a size: no per-arena total is taken for it.
        let sizeless = xml.replacingOccurrences(
            of: #"<total type="rest" count="5" size="4000"/>"#,
            with: #"<total type="rest" count="5"/>"#
        )
        #expect(Heap.parse(sizeless) == nil)
        // One line, no line breaks: still read (from the end of the only line).
        #expect(Heap.parse(#"<system type="current" size="10"/>"#) == nil, "no free totals")
    }

    @Test func freedMemoryIsCountedAsFreeAndTrimmingReturnsIt() throws {
        // 20 MB freed below 20 MB still held: a hole in the middle of the heap, which free() cannot give back.
        let blocks: [UnsafeMutableRawPointer] = (0..<40_000).map { _ in malloc(1_000)! }
        let before = try #require(Heap.statistics())
        for block in blocks[..<20_000] { free(block) }
        let afterFree = try #require(Heap.statistics())
        #expect(afterFree.free >= before.free + 15_000_000, "about 20 MB freed and counted as free")
        #expect(Heap.trim(), "malloc_trim releases the hole's pages")
        for block in blocks[20_000...] { free(block) }
    }
}
