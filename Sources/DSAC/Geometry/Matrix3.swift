/// A 3×3 float64 matrix stored by rows; enough linear algebra for rotations and intrinsics.
public struct Matrix3: Sendable, Hashable, Codable {
    public var row0, row1, row2: SIMD3<Double>

    public init(rows row0: SIMD3<Double>, _ row1: SIMD3<Double>, _ row2: SIMD3<Double>) {
        self.row0 = row0
        self.row1 = row1
        self.row2 = row2
    }

    /// From nine values in row-major order.
    public init(rowMajor v: [Double]) {
        precondition(v.count == 9, "Matrix3 needs 9 values")
        self.init(rows: SIMD3(v[0], v[1], v[2]), SIMD3(v[3], v[4], v[5]), SIMD3(v[6], v[7], v[8]))
    }

    public static let identity = Matrix3(rows: SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1))

    public var rowMajor: [Double] {
        [row0.x, row0.y, row0.z, row1.x, row1.y, row1.z, row2.x, row2.y, row2.z]
    }

    public subscript(row: Int, column: Int) -> Double {
        switch row {
        case 0: return row0[column]
        case 1: return row1[column]
        default: return row2[column]
        }
    }

    public var transposed: Matrix3 {
        Matrix3(rows: SIMD3(row0.x, row1.x, row2.x), SIMD3(row0.y, row1.y, row2.y), SIMD3(row0.z, row1.z, row2.z))
    }

    public var trace: Double { row0.x + row1.y + row2.z }

    public var determinant: Double {
        (row0 * cross(row1, row2)).sum()
    }

    public var isFinite: Bool {
        rowMajor.allSatisfy(\.isFinite)
    }

    public static func * (a: Matrix3, v: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3((a.row0 * v).sum(), (a.row1 * v).sum(), (a.row2 * v).sum())
    }

    public static func * (a: Matrix3, b: Matrix3) -> Matrix3 {
        let bt = b.transposed
        func row(_ r: SIMD3<Double>) -> SIMD3<Double> { bt * r }
        return Matrix3(rows: row(a.row0), row(a.row1), row(a.row2))
    }

    /// Largest absolute entry of RᵀR − I: how far the matrix is from orthonormal.
    public var orthonormalityError: Double {
        let p = transposed * self
        let d = zip(p.rowMajor, Matrix3.identity.rowMajor).map { abs($0 - $1) }
        return d.max() ?? 0
    }
}

@inlinable
public func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}

@inlinable
public func dot(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double { (a * b).sum() }

@inlinable
public func length(_ a: SIMD3<Double>) -> Double { dot(a, a).squareRoot() }
