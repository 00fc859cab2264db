/// Real orthonormal spherical harmonics (∫ Y² dΩ = 1). Any orthonormal convention gives the same SOAP power spectrum.
module Arise.Soap.SphericalHarmonics

open System

/// Normalisation constants √2·√((2l+1)/(4π)·(l−m)!/(l+m)!) (m > 0) and √((2l+1)/(4π)) (m = 0), indexed l(l+1)/2 + m.
let normalisation (lMax: int) =
    let fact n = Seq.fold (fun acc k -> acc * float k) 1.0 { 1 .. n }
    Array.init ((lMax + 1) * (lMax + 2) / 2) (fun k ->
        // invert k = l(l+1)/2 + m
        let mutable l = 0
        while (l + 1) * (l + 2) / 2 <= k do
            l <- l + 1
        let m = k - l * (l + 1) / 2
        let n = sqrt ((2.0 * float l + 1.0) / (4.0 * Math.PI) * fact (l - m) / fact (l + m))
        if m = 0 then n else sqrt 2.0 * n)

/// Writes Y_lm of the unit vector (x, y, z) into `out` at index l² + l + m (m = −l…l), for l = 0…lMax.
/// `norm` comes from `normalisation lMax`; `q` is scratch of length (lMax+1)(lMax+2)/2.
let evaluate (lMax: int) (norm: float[]) (q: float[]) (x: float) (y: float) (z: float) (out: Span<float>) =
    // Q_l^m = P_l^m(z)/sin^m θ (no Condon–Shortley phase), by the standard recurrences
    let tri l m = l * (l + 1) / 2 + m
    let mutable dfact = 1.0
    for m in 0 .. lMax do
        if m > 0 then dfact <- dfact * float (2 * m - 1)
        q.[tri m m] <- dfact
        if m + 1 <= lMax then q.[tri (m + 1) m] <- z * float (2 * m + 1) * dfact
        for l in m + 2 .. lMax do
            q.[tri l m] <- (float (2 * l - 1) * z * q.[tri (l - 1) m] - float (l + m - 1) * q.[tri (l - 2) m]) / float (l - m)
    // (x + iy)^m = sin^m θ (cos mφ + i sin mφ)
    let mutable re = 1.0
    let mutable im = 0.0
    for m in 0 .. lMax do
        if m > 0 then
            let r = re * x - im * y
            im <- re * y + im * x
            re <- r
        for l in m .. lMax do
            let k = tri l m
            let v = norm.[k] * q.[k]
            if m = 0 then out.[l * l + l] <- v
            else
                out.[l * l + l + m] <- v * re
                out.[l * l + l - m] <- v * im
