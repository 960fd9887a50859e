import Foundation

/// Whitespace-separated numbers in text files, parsed strictly: every token must be a finite decimal number, and a
/// failure names the file, the line and the field (both from 1).
enum NumberText {
    /// The non-empty lines of a file with their 1-based line numbers, split into tokens.
    static func tokenLines(_ text: String) -> [(line: Int, tokens: [Substring])] {
        var out: [(Int, [Substring])] = []
        var lineNumber = 0
        text.enumerateLines { line, _ in
            lineNumber += 1
            let tokens = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," || $0 == "\r" })
            if !tokens.isEmpty { out.append((lineNumber, tokens)) }
        }
        return out
    }

    static func number(_ token: Substring, path: String, line: Int, field: Int,
                       expected: String = "a finite decimal number") throws(DataError) -> Double {
        guard let value = Double(token) else {
            throw .malformedNumber(path: path, line: line, field: field, text: String(token), expected: expected)
        }
        guard value.isFinite else { throw .nonFiniteNumber(path: path, line: line, field: field, text: String(token)) }
        return value
    }

    /// A rows × columns matrix, one row per non-empty line (row-major).
    static func matrix(_ text: String, rows: Int, columns: Int, path: String) throws(DataError) -> [Double] {
        let lines = tokenLines(text)
        guard lines.count == rows else {
            throw .wrongFieldCount(path: path, line: 0, found: lines.count,
                                   expected: "\(rows) non-empty lines of \(columns) numbers")
        }
        var values: [Double] = []
        for (line, tokens) in lines {
            guard tokens.count == columns else {
                throw .wrongFieldCount(path: path, line: line, found: tokens.count, expected: "\(columns) numbers")
            }
            for (k, token) in tokens.enumerated() {
                values.append(try number(token, path: path, line: line, field: k + 1))
            }
        }
        return values
    }
}
