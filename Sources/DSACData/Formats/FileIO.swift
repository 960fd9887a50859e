import Foundation

/// Reading and atomic writing of whole files, with errors that name the file.
enum FileIO {
    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    static func readData(_ path: String, expected: String = "the file") throws(DataError) -> Data {
        guard exists(path) else { throw .missingFile(path: path, expected: expected) }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadableFile(path: path, reason: "\(error.localizedDescription)")
        }
    }

    static func readText(_ path: String, expected: String = "a text file") throws(DataError) -> String {
        let data = try readData(path, expected: expected)
        guard let text = String(data: data, encoding: .utf8) ?? String(data: data, encoding: .isoLatin1) else {
            throw .unreadableFile(path: path, reason: "not text")
        }
        return text
    }

    /// Writes to a temporary file in the destination folder, then renames it over the destination: a reader sees
    /// the old file or the new one, never a partial one.
    static func writeAtomically(_ data: Data, to path: String) throws(DataError) {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        do {
            try data.write(to: temporary)
            if rename(temporary.path, url.path) != 0 {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw DataError.writeFailed(path: path, reason: reason)
            }
        } catch let error as DataError {
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw .writeFailed(path: path, reason: "\(error.localizedDescription)")
        }
    }

    static func writeText(_ text: String, to path: String) throws(DataError) {
        try writeAtomically(Data(text.utf8), to: path)
    }

    static func createDirectory(_ path: String) throws(DataError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .writeFailed(path: path, reason: "cannot create the folder: \(error.localizedDescription)")
        }
    }

    /// Names (not paths) in a folder, sorted; hidden files left out.
    static func list(_ path: String) throws(DataError) -> [String] {
        guard isDirectory(path) else { throw .missingFile(path: path, expected: "a folder") }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw .unreadableFile(path: path, reason: "\(error.localizedDescription)")
        }
    }
}
