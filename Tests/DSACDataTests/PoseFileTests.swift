import DSAC
import Foundation
import Testing

@testable import DSACData

@Suite("Pose files")
struct PoseFileTests {
    let path = "seq-01/frame-000000.pose.txt"

    @Test("a valid file round-trips")
    func roundTrip() throws {
        let pose = try PoseFile.parse(PoseFile.format(Fixture.worldFromCam), path: path)
        #expect(length(pose.translation - Fixture.worldFromCam.translation) < 1e-8)
        let difference = zip(pose.rotation.rowMajor, Fixture.worldFromCam.rotation.rowMajor).map { abs($0 - $1) }.max()!
        #expect(difference < 1e-8)
    }

    @Test("a malformed number names the line, the field and the text")
    func malformed() {
        let text = "1 0 0 0\n0 1 0 0\n0 0 1 abc\n0 0 0 1\n"
        let error = expectDataError { _ = try PoseFile.parse(text, path: path) }
        #expect(error == .malformedNumber(path: path, line: 3, field: 4, text: "abc", expected: "a finite decimal number"))
        #expect(error?.description == "\(path): line 3, field 4: 'abc' is not a number (expected a finite decimal number)")
    }

    @Test("a non-finite number is its own error")
    func nonFinite() {
        let error = expectDataError { _ = try PoseFile.parse("1 0 0 0\n0 1 0 nan\n0 0 1 0\n0 0 0 1\n", path: path) }
        #expect(error == .nonFiniteNumber(path: path, line: 2, field: 4, text: "nan"))
        let inf = expectDataError { _ = try PoseFile.parse("1 0 0 inf\n0 1 0 0\n0 0 1 0\n0 0 0 1\n", path: path) }
        #expect(inf == .nonFiniteNumber(path: path, line: 1, field: 4, text: "inf"))
    }

    @Test("wrong numbers of lines or values")
    func counts() {
        let short = expectDataError { _ = try PoseFile.parse("1 0 0 0\n0 1 0 0\n0 0 1 0\n", path: path) }
        #expect(short == .wrongFieldCount(path: path, line: 0, found: 3, expected: "4 non-empty lines of 4 numbers"))
        let row = expectDataError { _ = try PoseFile.parse("1 0 0 0\n0 1 0\n0 0 1 0\n0 0 0 1\n", path: path) }
        #expect(row == .wrongFieldCount(path: path, line: 2, found: 3, expected: "4 numbers"))
    }

    @Test("a scaled matrix, a reflection and a bad last row are not rigid transforms")
    func notRotation() {
        for text in ["2 0 0 0\n0 1 0 0\n0 0 1 0\n0 0 0 1\n", "-1 0 0 0\n0 1 0 0\n0 0 1 0\n0 0 0 1\n",
                     "1 0 0 0\n0 1 0 0\n0 0 1 0\n0 0 1 1\n"] {
            let error = expectDataError { _ = try PoseFile.parse(text, path: path) }
            guard case .notARotation(let p, let detail) = error else { Issue.record("got \(String(describing: error))"); continue }
            #expect(p == path)
            #expect(detail.contains("expected"))
        }
    }

    @Test("a missing pose file")
    func missing() {
        let error = expectDataError { _ = try PoseFile.read("/nonexistent/frame.pose.txt") }
        #expect(error == .missingFile(path: "/nonexistent/frame.pose.txt", expected: "a 4×4 camera-to-world pose"))
    }
}
