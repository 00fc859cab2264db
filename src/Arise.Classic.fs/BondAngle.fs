/// Bond-angle analysis after Ackland & Jones (Phys. Rev. B 73, 054104, 2006): per atom, the histogram of bond-angle
/// cosines among its near neighbours decides fcc, hcp, bcc, icosahedral or unknown.
module Arise.Classic.BondAngle

open System
open Arise.Structure

/// The eight cosine bins χ0…χ7 (upper bounds; the last bin ends at 1).
let private upper = [| -0.945; -0.915; -0.755; -0.195; 0.195; 0.245; 0.795; 1.0 |]

/// Classifies one atom from its neighbour vectors (sorted or not; all within at least 1.25× the sixth-nearest
/// distance). Decision rules of LAMMPS's `compute ackland/atom` (Barnes's revision of Ackland & Jones 2006, the
/// reference of our tests): r0² = mean squared distance of the 6 nearest; n0 / n1 = neighbours within 1.45 / 1.55 r0²;
/// the cosine histogram χ over the n0 neighbours decides.
let classifyVectors (vectors: Vec3[]) : CnaType =
    if vectors.Length < 6 then
        CnaType.Other
    else
        let byDistance = vectors |> Array.sortBy Vec3.normSquared
        let r0sq = byDistance |> Array.truncate 6 |> Array.averageBy Vec3.normSquared
        let near = byDistance |> Array.filter (fun v -> Vec3.normSquared v < 1.45 * r0sq)
        let n0 = near.Length

        let n1 =
            byDistance
            |> Array.filter (fun v -> Vec3.normSquared v < 1.55 * r0sq)
            |> Array.length

        let chi = Array.zeroCreate 8

        for a in 0 .. n0 - 1 do
            for b in a + 1 .. n0 - 1 do
                let c = Vec3.dot near.[a] near.[b] / (Vec3.norm near.[a] * Vec3.norm near.[b])
                let k = upper |> Array.findIndex (fun u -> c < u || u = 1.0)
                chi.[k] <- chi.[k] + 1

        let f k = float chi.[k]

        if chi.[7] > 0 || n0 < 11 then
            CnaType.Other
        elif chi.[0] = 7 then
            CnaType.Bcc
        elif chi.[0] = 6 then
            CnaType.Fcc
        elif chi.[0] = 3 then
            CnaType.Hcp
        else
            let deltaCp = abs (1.0 - f 6 / 24.0)
            let chi564 = chi.[5] + chi.[6] - chi.[4]

            let deltaBcc =
                if chi564 <> 0 then
                    0.35 * f 4 / float chi564
                else
                    deltaCp + 1.0

            let deltaFcc = 0.61 * (abs (f 0 + f 1 - 6.0) + f 2) / 6.0
            let deltaHcp = (abs (f 0 - 3.0) + abs (f 0 + f 1 + f 2 + f 3 - 9.0)) / 12.0

            if chi.[4] < 3 && n1 = 12 then
                CnaType.Icosahedral
            elif deltaBcc <= deltaCp && n1 > 10 && n1 < 13 then
                CnaType.Bcc
            elif n0 > 12 then
                CnaType.Other
            elif deltaFcc < deltaHcp then
                CnaType.Fcc
            else
                CnaType.Hcp

/// Bond-angle analysis of every atom (neighbours from the cell list, periodic images included).
let analyse (s: Structure) : CnaType[] =
    let n = Structure.count s
    let cells = CellList.build s
    let start = 2.0 * NearestNeighbour.typicalSpacing s

    PerAtom.init n (fun buffer i ->
        // enough neighbours to cover 1.45 r0² around the 6 nearest: grow the radius until 14 are found, then add margin
        let r = NearestNeighbour.queryAtLeast cells s i 14 start buffer

        let vs =
            Array.init buffer.Count (fun t -> Vec3.make buffer.Dx.[t] buffer.Dy.[t] buffer.Dz.[t])

        let r6 =
            if vs.Length >= 6 then
                vs |> Array.map Vec3.norm |> Array.sort |> fun d -> d.[5]
            else
                r

        if r6 * 1.3 > r then
            CellList.queryAtom cells s i (r6 * 1.3) buffer
            classifyVectors (Array.init buffer.Count (fun t -> Vec3.make buffer.Dx.[t] buffer.Dy.[t] buffer.Dz.[t]))
        else
            classifyVectors vs)
