/// Reading a process's part of a large sample (StructureIO.readPart, streamed) against reading it whole (readWith):
/// .pos and .apt atom-probe files of 10^7 ions and a LAMMPS dump of 10^6 atoms (ids in order and shuffled), half kept.
module Arise.Bench.ReadBench

open System
open System.Diagnostics
open System.IO
open Arise.Structure
open Arise.Structure.Formats

/// `f`'s result, its seconds, the managed memory it holds once collected and what it allocated on the way (GB).
let private timed (f: unit -> 'a) =
    let before = GC.GetTotalMemory true
    let allocated = GC.GetTotalAllocatedBytes true
    let sw = Stopwatch.StartNew()
    let r = f ()
    let seconds = sw.Elapsed.TotalSeconds
    let through = float (GC.GetTotalAllocatedBytes true - allocated) / 1e9
    r, seconds, (float (GC.GetTotalMemory true - before) / 1e9, through)

let private orFail (r: Result<'a, ReadError>) =
    r |> Result.defaultWith (fun e -> failwithf "%s: %s" e.File e.Message)

/// `n` ions uniform in a cube of `side` nm, half Ni (29 Da), half Al (13.5 Da), with their ranges.
let private ions (n: int) (side: float) =
    let rng = Random(28)

    let all =
        Array.init n (fun _ ->
            let m = if rng.Next 2 = 0 then 29.0 else 13.5
            side * rng.NextDouble(), side * rng.NextDouble(), side * rng.NextDouble(), m)

    all,
    [ { AtomProbe.Low = 13.2
        AtomProbe.High = 13.8
        AtomProbe.Ion = [ 13, 1 ] }
      { AtomProbe.Low = 28.7
        AtomProbe.High = 29.3
        AtomProbe.Ion = [ 28, 1 ] } ]

/// A LAMMPS text dump of `n` atoms (Ni and Al) in a periodic 200 × 100 × 100 Å box, ids in order or shuffled.
let private dump (path: string) (n: int) (shuffled: bool) =
    let rng = Random(5)
    let ids = Array.init n (fun a -> a + 1)

    if shuffled then
        rng.Shuffle ids

    use w = new StreamWriter(path)
    w.Write(sprintf "ITEM: TIMESTEP\n0\nITEM: NUMBER OF ATOMS\n%d\nITEM: BOX BOUNDS pp pp pp\n0 200\n0 100\n0 100\n" n)
    w.Write "ITEM: ATOMS id element x y z\n"

    for a in 0 .. n - 1 do
        w.Write(
            String.Format(
                Globalization.CultureInfo.InvariantCulture,
                "{0} {1} {2:F5} {3:F5} {4:F5}\n",
                ids.[a],
                (if rng.Next 2 = 0 then "Ni" else "Al"),
                200.0 * rng.NextDouble(),
                100.0 * rng.NextDouble(),
                100.0 * rng.NextDouble()
            )
        )

let private row (name: string) (options: StructureIO.ReadOptions) (path: string) (half: float) =
    let part, partSeconds, partHeld =
        timed (fun () -> StructureIO.readPart options path (fun p -> p.X < half) |> orFail)

    let digest, count, kept, streamed =
        part.Digest, part.Count, part.Indices.Length, part.Streamed

    let whole, wholeSeconds, wholeHeld =
        timed (fun () -> StructureIO.readWith options path |> orFail)

    printfn
        "%-14s %10d %8.2f s %10d %5.2f/%5.2f GB %9b %8.2f s %5.2f/%5.2f GB %9b"
        name
        count
        partSeconds
        kept
        (fst partHeld)
        (snd partHeld)
        streamed
        wholeSeconds
        (fst wholeHeld)
        (snd wholeHeld)
        (digest = Structure.digest whole)

let run () =
    let dir = Path.Combine(Path.GetTempPath(), "arise-read-bench")
    Directory.CreateDirectory dir |> ignore

    try
        let pos, apt, rrng =
            Path.Combine(dir, "ions.pos"), Path.Combine(dir, "ions.apt"), Path.Combine(dir, "ions.rrng")

        let write () =
            let all, ranges = ions 10_000_000 50.0
            AtomProbe.writePos pos all
            AtomProbe.writeApt apt all
            AtomProbe.writeRrng rrng ranges

        write ()

        let ordered, shuffled =
            Path.Combine(dir, "ordered.lammpstrj"), Path.Combine(dir, "shuffled.lammpstrj")

        dump ordered 1_000_000 false
        dump shuffled 1_000_000 true

        let mb (path: string) = float (FileInfo(path).Length) / 1e6

        printfn
            "Half a sample (x below the middle) streamed (readPart), and whole (readWith), %d cores; .pos %.0f, .apt %.0f, dumps %.0f MB"
            Environment.ProcessorCount
            (mb pos)
            (mb apt)
            (mb ordered)

        printfn
            "%-14s %10s %10s %10s %15s %9s %10s %15s %9s"
            "file"
            "atoms"
            "readPart"
            "kept"
            "held/allocated"
            "streamed"
            "readWith"
            "held/allocated"
            "digest ="

        let probe =
            { StructureIO.defaults with
                Ranges = Some rrng }

        row ".pos, 10^7" probe pos 250.0
        row ".apt, 10^7" probe apt 250.0
        row "dump in order" StructureIO.defaults ordered 100.0
        row "dump shuffled" StructureIO.defaults shuffled 100.0
    finally
        Directory.Delete(dir, true)
