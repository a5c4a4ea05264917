import KvittContracts
import KvittMessaging

/// A failure's detail made fit to leave the service (the `delivery-failed` event, the delivery row's `lastError`,
/// a log line): a mail server's answer echoes the recipient's address and may quote the message, whose documents
/// carry personnummer.
///
/// Identity numbers go through the repository's masking (``PersonalDataMasking``: anything shaped like a personnummer,
/// samordningsnummer or organisationsnummer, a mistyped number included); e-mail addresses lose their local part
/// (`***@example.se`), which it does not mask. The domain stays: it tells an operator
/// which mail system refused.
enum FailureDetail {
    static func masked(_ text: String) -> String {
        maskEmailAddresses(PersonalDataMasking.mask(text))
    }

    /// Every `local@domain.tld` with its local part replaced by `***`.
    static func maskEmailAddresses(_ text: String) -> String {
        let characters = Array(text)
        guard characters.contains("@") else { return text }
        var result: [Character] = []
        result.reserveCapacity(characters.count)
        var index = 0
        while index < characters.count {
            guard characters[index] == "@" else {
                result.append(characters[index])
                index += 1
                continue
            }
            var domainEnd = index + 1
            while domainEnd < characters.count, isDomainCharacter(characters[domainEnd]) { domainEnd += 1 }
            let domain = characters[(index + 1)..<domainEnd]
            var localStart = result.count
            while localStart > 0, isLocalPartCharacter(result[localStart - 1]) { localStart -= 1 }
            if localStart < result.count, domain.contains(".") {
                result.replaceSubrange(localStart..<result.count, with: Array("***"))
            }
            result.append("@")
            index += 1
        }
        return String(result)
    }

    /// RFC 5322 `atext` and `.`, and any letter (an SMTPUTF8 address may have å in its local part).
    private static func isLocalPartCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || "!#$%&'*+/=?^_`{|}~.-".contains(character)
    }

    private static func isDomainCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "." || character == "-"
    }
}
