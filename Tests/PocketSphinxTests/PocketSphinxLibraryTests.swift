import PocketSphinx
import Testing

@Suite struct PocketSphinxLibraryTests {
    @Test func linksAndFindsTheEnglishModel() {
        #expect(PocketSphinxLibrary.argumentCount > 50)
        #expect(PocketSphinxLibrary.missingModelFiles() == [])
        #expect(PocketSphinxLibrary.missingModelFiles(in: "/nonexistent") == ["en-us/mdef", "en-us.lm.bin", "cmudict-en-us.dict"])
    }
}
