/// Finds candidate OCR references and invoice numbers in free text ("Faktura 1043", a Swish message).
enum ReferenceExtraction {
    /// Every run of 2–25 digits, in order of appearance, without repeats.
    static func digitRuns(in text: String) -> [String] {
        var runs: [String] = []
        var current = ""
        for character in text + " " {
            if character.isASCII && character.isNumber {
                current.append(character)
            } else {
                if (2...25).contains(current.count), !runs.contains(current) { runs.append(current) }
                current = ""
            }
        }
        return runs
    }
}
