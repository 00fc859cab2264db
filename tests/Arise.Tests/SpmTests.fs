module Arise.Tests.SpmTests

open System
open System.IO
open Expecto
open Arise.Structure
open Arise.Model
open Arise.Spm
open Arise.Pictures
open Arise.Tests.Common

/// A slab bicrystal: fcc Cu for x < 0, bcc Fe for x ≥ 0 (about 40 × 20 × 8 Å).
let private bicrystal () =
    let fcc = Crystals.fcc 29 3.61 |> Supercell.repeat 6 6 2
    let bcc = Crystals.bcc 26 2.87 |> Supercell.repeat 8 7 3
    let left = fcc.Positions |> Array.map (fun p -> p - Vec3.make 21.66 0.0 0.0)
    let right = bcc.Positions |> Array.map (fun p -> p + Vec3.make 1.0 0.0 0.0)
    let keep (p: Vec3) = p.Y < 20.0 && p.Z < 7.0
    let ps = Array.append (left |> Array.filter keep) (right |> Array.filter keep)

    let zs =
        Array.append (left |> Array.filter keep |> Array.map (fun _ -> 29)) (right |> Array.filter keep |> Array.map (fun _ -> 26))

    Structure.cluster ps zs

/// `n` processes of one run as threads of this one: an in-memory World for each (sums, broadcasts and send/receive
/// through shared slots and queues), to test code written for MPI without a launcher.
let private threadWorlds (n: int) : Arise.Numerics.Mpi.World[] =
    let barrier = new Threading.Barrier(n)
    let slots = Array.zeroCreate<obj> n

    let boxes =
        Array.init n (fun _ -> Array.init n (fun _ -> new Collections.Concurrent.BlockingCollection<byte[]>()))

    // every process's value in its slot, then `combine`d by each (the barrier twice: all written, all read)
    let meet (rank: int) (value: obj) (combine: obj[] -> obj) =
        slots.[rank] <- value
        barrier.SignalAndWait()
        let result = combine (Array.copy slots)
        barrier.SignalAndWait()
        result

    Array.init n (fun rank ->
        { new Arise.Numerics.Mpi.World with
            member _.Rank = rank
            member _.Size = n
            member _.Abi = "threads"
            member _.Barrier() = barrier.SignalAndWait()

            member _.Broadcast(bytes, root) =
                meet rank (box bytes) (fun all -> all.[root]) :?> byte[] |> Array.copy

            member _.SumAll values =
                meet rank (box values) (fun all ->
                    box (Array.init values.Length (fun i -> all |> Array.sumBy (fun v -> (v :?> float[]).[i]))))
                :?> float[]

            member _.SendReceive(bytes, toRank, fromRank, into) =
                boxes.[rank].[toRank].Add(bytes.ToArray())
                let received = boxes.[fromRank].[rank].Take()

                if not (isNull into) && into.Length >= received.Length then
                    received.CopyTo(into, 0)
                    ArraySegment(into, 0, received.Length)
                else
                    ArraySegment received

            member _.Dispose() = () })

/// Runs `body` in each of `n` thread processes at once; each one's result, or its exception.
let private inThreads (n: int) (body: Arise.Numerics.Mpi.World -> 'T) =
    threadWorlds n
    |> Array.map (fun w -> Threading.Tasks.Task.Factory.StartNew((fun () -> body w), Threading.Tasks.TaskCreationOptions.LongRunning))
    |> Array.map (fun t ->
        try
            Ok t.Result
        with :? AggregateException as e ->
            Error e.InnerException)

/// bcc Fe (n × n × n cells, a cluster) mapped in bulk mode by the tiny model: box 9 Å, stride 4 Å, T = `samples`.
/// Bulk-mode settings of box and stride (Å), and their grid over s.
let private bulkGrid (box: float) (stride: float) (s: Structure) =
    let settings =
        { SpmGrid.defaults with
            Mode = SpmMode.Bulk
            Box = box
            Stride = stride }

    settings, SpmGrid.create settings s |> ok "grid" |> fst

let private bulkBccRun (n: int) (samples: int) =
    let _, model = ModelTests.tinyModel.Force()
    let s = Crystals.bcc 26 2.87 |> Supercell.finite n n n
    let settings, grid = bulkGrid 9.0 4.0 s

    let r, _ =
        Spm.run (Pipeline.ofModel model) samples 1 settings grid s None (fun _ _ -> ()) Threading.CancellationToken.None

    model, r

/// The tiny model, the bicrystal and its grid of 12 Å boxes at `stride` (Å).
let private bicrystalGrid (stride: float) =
    let _, model = ModelTests.tinyModel.Force()
    let s = bicrystal ()

    let settings =
        { SpmGrid.defaults with
            Box = 12.0
            Stride = stride }

    let grid, _ = SpmGrid.create settings s |> ok "grid"
    model, s, settings, grid

let private bits32 (a: float32[]) =
    a |> Array.map BitConverter.SingleToInt32Bits

let private bits64 (a: float[]) =
    a |> Array.map BitConverter.DoubleToInt64Bits

/// Labels of some atoms of a sample (Spm.atomLabels: row k is atom atoms.[k] of the whole) checked to the bit against
/// those of the whole run's per-atom means; how many of them lie in two boxes or more.
let private expectLabels (whole: SpmResult) (labels: AtomLabels) (atoms: int[]) =
    let means =
        Spm.labelsOfMeans whole.Classes.Length whole.AtomProbabilities whole.AtomMutualInformation whole.AtomBoxes

    Expect.equal labels.Boxes (atoms |> Array.map (fun a -> means.Boxes.[a])) "boxes of each atom"
    Expect.equal labels.Best (atoms |> Array.map (fun a -> means.Best.[a])) "class of each atom"

    Expect.equal (bits64 labels.Probability) (bits64 (atoms |> Array.map (fun a -> means.Probability.[a]))) "probability of each atom"

    Expect.equal (bits64 labels.MutualInformation) (bits64 (atoms |> Array.map (fun a -> means.MutualInformation.[a]))) "MI of each atom"

    labels.Boxes |> Array.filter (fun b -> b >= 2) |> Array.length

/// A run in two parts of the sample (runPartOf, assemble, atomLabels), checked against the whole run to the bit; with
/// `share`, the first part takes the second's last chunk (ChunkSharing).
let private inTwoParts (share: bool) =
    let ignore2 = fun (_: int) (_: int) -> ()
    let model, s, settings, grid = bicrystalGrid 0.5
    let pipeline = Pipeline.ofModel model
    let none = Threading.CancellationToken.None
    let whole, _ = Spm.run pipeline 5 1 settings grid s None (fun _ _ -> ()) none
    let chunks = Spm.chunkCount grid
    Expect.isGreaterThanOrEqual chunks 2 "two chunks at least"

    let stamp =
        Spm.fingerprintOf model 5 1 settings grid (Structure.count s) (Structure.digest s)

    Expect.equal stamp (Spm.fingerprint model 5 1 settings grid s) "the fingerprint of the parts is the whole run's"
    // the second part's boxes begin at chunk `half`; the lower face of its first box cuts the sample along x
    let half = chunks / 2
    let _, ny, nz = grid.Shape

    let cut =
        grid.Origin.X + float (half * Spm.chunkSize / (ny * nz)) * grid.Step.X
        - 0.5 * grid.Edge.X

    let part keep =
        let idx =
            [| for a in 0 .. Structure.count s - 1 do
                   if keep s.Positions.[a] then
                       a |]

        idx, Structure.select idx s

    // with sharing, the first part also holds the atoms of the second's last chunk, which it takes (all atoms here)
    let firstIdx, first = part (fun p -> share || p.X <= cut + grid.Edge.X + 1e-6)
    let secondIdx, second = part (fun p -> p.X >= cut - 1e-6)

    if not share then
        Expect.isLessThan first.Positions.Length (Structure.count s) "the first part is a part"

    Expect.isLessThan second.Positions.Length (Structure.count s) "the second part is a part"
    let dir = freshFolder "arise-spm-parts-"

    // the second's last chunk is lent; the first process, run to its end first, claims it before the second does
    let claims = Collections.Generic.HashSet<int>()
    let refused = ResizeArray<int>()

    let sharing (lent: int[]) (borrowed: int[]) =
        if share then
            { Lent = lent
              Borrowed = borrowed
              Claim =
                fun c ->
                    let mine = claims.Add c

                    if not mine then
                        refused.Add c

                    mine }
        else
            Spm.noSharing

    let _, heldFirst =
        Spm.runPartOf pipeline 5 1 settings grid first stamp dir (fun c -> c < half) (sharing [||] [| chunks - 1 |]) ignore2 none

    let _, heldSecond =
        Spm.runPartOf pipeline 5 1 settings grid second stamp dir (fun c -> c >= half) (sharing [| chunks - 1 |] [||]) ignore2 none

    // each holds the chunks it took: its own block, and with sharing the second's last in the first
    let took (held: SpmChunk[]) =
        held |> Array.map (fun ch -> ch.Index) |> Array.sort

    Expect.equal
        (took heldFirst)
        [| yield! [ 0 .. half - 1 ]
           if share then
               yield chunks - 1 |]
        "the first holds its chunks"

    Expect.equal (took heldSecond) [| half .. chunks - (if share then 2 else 1) |] "the second holds its chunks"

    Expect.equal (List.ofSeq refused) (if share then [ chunks - 1 ] else []) "the second finds its lent chunk taken"
    let r = Spm.assemble model grid dir stamp |> ok "assembled"
    Expect.equal (bits32 r.Probabilities) (bits32 whole.Probabilities) "probabilities"
    Expect.equal (bits64 r.MutualInformation) (bits64 whole.MutualInformation) "mutual information"
    Expect.equal r.Argmax whole.Argmax "argmax"
    Expect.equal r.Atoms whole.Atoms "atoms per box"
    Expect.equal (r.Hidden |> Array.map bits32) (whole.Hidden |> Array.map bits32) "hidden layers"

    // each process's chunks taken as it holds them, the others' read back: the same boxes, to the bit
    for held in [ heldFirst; heldSecond ] do
        let h =
            Spm.assembleWith model grid dir stamp held |> ok "assembled with held chunks"

        Expect.equal (bits32 h.Probabilities) (bits32 whole.Probabilities) "probabilities (held)"
        Expect.equal (bits64 h.MutualInformation) (bits64 whole.MutualInformation) "mutual information (held)"
        Expect.equal (h.Argmax, h.Atoms) (whole.Argmax, whole.Atoms) "argmax and atoms (held)"
        Expect.equal (h.Hidden |> Array.map bits32) (whole.Hidden |> Array.map bits32) "hidden layers (held)"

    Expect.throwsT<ArgumentException>
        (fun () ->
            Spm.assembleWith model grid dir stamp [| { heldFirst.[0] with First = 1 } |]
            |> ignore)
        "a held chunk that is not the grid's is refused"

    // each part labels its share of the atoms (below the cut, and from it), from its own positions
    let mutable labelled, shared = 0, 0

    for idx, p, inShare in [ firstIdx, first, (fun x -> x < cut); secondIdx, second, (fun x -> x >= cut) ] do
        let share =
            [| for a in 0 .. idx.Length - 1 do
                   if inShare p.Positions.[a].X then
                       a |]

        shared <-
            shared
            + expectLabels whole (Spm.atomLabels r p share) (share |> Array.map (fun a -> idx.[a]))

        labelled <- labelled + share.Length

    Expect.equal labelled (Structure.count s) "every atom labelled once"
    Expect.isGreaterThan shared (Structure.count s / 2) "most atoms lie in several boxes"
    // a chunk damaged since (one flipped bit of its probabilities): assemble names it, and uses none of it
    let chunk = Path.Combine(dir, "chunk_00001.npz")
    let arrays = Arise.Numerics.Npy.readNpz chunk |> ok "chunk"
    let probabilities = arrays.[SpmKeys.Probabilities]
    let flipped = Array.copy probabilities.Data
    flipped.[5] <- flipped.[5] ^^^ 0x10uy

    Arise.Numerics.Npy.writeNpz
        chunk
        (arrays
         |> Map.add SpmKeys.Probabilities { probabilities with Data = flipped }
         |> Map.toList)

    match Spm.assemble model grid dir stamp with
    | Error e -> Expect.stringContains e "chunk 1 of the run is missing or damaged" "the damaged chunk named"
    | Ok _ -> failtest "a damaged chunk assembled"

    // the process that holds chunk 1 never reads it back; the other does, and names it
    let holder, other =
        if Array.contains 1 (took heldFirst) then
            heldFirst, heldSecond
        else
            heldSecond, heldFirst

    Expect.isOk (Spm.assembleWith model grid dir stamp holder) "chunk 1 held, not read"

    match Spm.assembleWith model grid dir stamp other with
    | Error e -> Expect.stringContains e "chunk 1 of the run is missing or damaged" "the damaged chunk named (held)"
    | Ok _ -> failtest "a damaged chunk assembled (held)"

    Directory.Delete(dir, true)


[<Tests>]
let tests =
    testList
        "spm"
        [ test "a run in two parts of the sample (runPartOf, assemble, atomLabels) gives the whole run's maps and labels, to the bit" {
              inTwoParts false
          }
          test "a part that finishes first takes the other's lent chunk (ChunkSharing): the same maps and labels, to the bit" {
              inTwoParts true
          }
          test "atomLabels, periodic (images in boxes wider than the cell) and open: run's means to the bit; runMaps: same atoms.xyz" {
              let _, model = ModelTests.tinyModel.Force()
              let pipeline = Pipeline.ofModel model
              let none = Threading.CancellationToken.None
              // periodic: a box of 12 Å over a 7.22 Å cell holds atoms' images; open: the bicrystal, stride 0.5
              let periodic = Crystals.fcc 29 3.61 |> Supercell.repeat 2 2 2

              let settings, grid = bulkGrid 12.0 2.0 periodic
              Expect.isTrue (Structure.isPeriodic periodic) "periodic"
              let _, s, _, openGrid = bicrystalGrid 0.5

              for sample, grid in [ periodic, grid; s, openGrid ] do
                  let whole, _ = Spm.run pipeline 5 1 settings grid sample None (fun _ _ -> ()) none
                  // every other atom, and all
                  let some = [| 0..2 .. Structure.count sample - 1 |]

                  for atoms in [ some; [| 0 .. Structure.count sample - 1 |] ] do
                      let several = expectLabels whole (Spm.atomLabels whole sample atoms) atoms
                      Expect.isGreaterThan several 0 "atoms in several boxes"

                  // without the means: the same maps, and atoms.xyz labelled from the boxes, the same bytes
                  let maps, _ =
                      Spm.runMaps pipeline 5 1 settings grid sample None (fun _ _ -> ()) none

                  Expect.isEmpty maps.AtomBoxes "no per-atom means"
                  Expect.equal (bits32 maps.Probabilities) (bits32 whole.Probabilities) "the maps"
                  Expect.equal maps.Argmax whole.Argmax "the classes of the boxes"

                  let dir =
                      Path.Combine(Path.GetTempPath(), sprintf "arise-runmaps-%d" (Random.Shared.Next()))

                  Directory.CreateDirectory dir |> ignore

                  try
                      let written (r: SpmResult) name =
                          let path = Path.Combine(dir, name)
                          SpmOutput.writeAtoms path sample r
                          File.ReadAllBytes path

                      Expect.equal (written maps "maps.xyz") (written whole "whole.xyz") "atoms.xyz"
                  finally
                      Directory.Delete(dir, true)
          }

          test "the reference layout, on a case worked by hand from the reference implementation's rule" {
              // atoms spanning x 0–40, y 0–10, z 0–2 (a slab); box 16, stride 4. Reference rule per scanned axis:
              // pad = box when the extent exceeds it, else 0; n = ⌊(extent + 2·pad)/stride⌋ + 1;
              // centres mid + (m − (n−1)/2)·stride.
              // x: pad 16, n = ⌊72/4⌋ + 1 = 19, centres 20 − 36 = −16 … 56; y: pad 0, n = ⌊10/4⌋ + 1 = 3, centres 1, 5, 9
              let s =
                  Structure.cluster [| Vec3.make 0.0 0.0 0.0; Vec3.make 40.0 10.0 2.0; Vec3.make 20.0 5.0 1.0 |] [| 29; 29; 29 |]

              let settings =
                  { SpmGrid.defaults with
                      Box = 16.0
                      Stride = 4.0
                      Layout = GridLayout.Reference }

              let g, _ = SpmGrid.create settings s |> ok "reference grid"
              Expect.equal g.Shape (19, 3, 1) "19 × 3 positions, one through the thickness"
              let first = SpmGrid.centre g 0 0 0
              let last = SpmGrid.centre g 18 2 0
              Expect.floatClose Accuracy.high first.X -16.0 "first x centre"
              Expect.floatClose Accuracy.high first.Y 1.0 "first y centre"
              Expect.floatClose Accuracy.high first.Z 1.0 "the slab's middle"
              Expect.floatClose Accuracy.high last.X 56.0 "last x centre"
              Expect.floatClose Accuracy.high last.Y 9.0 "last y centre"
              // ours: x from 8 to 32 (7 positions), y one centred position (the box is longer than the sample)
              let inside, _ =
                  SpmGrid.create
                      { settings with
                          Layout = GridLayout.Inside }
                      s
                  |> ok "inside grid"

              Expect.equal inside.Shape (7, 1, 1) "our layout keeps every box inside"
              // the reference's order: z outermost, x fastest
              let order = SpmGrid.referenceOrder g
              Expect.equal order.[0..2] [| SpmGrid.index g 0 0 0; SpmGrid.index g 1 0 0; SpmGrid.index g 2 0 0 |] "x fastest"
              Expect.equal (Array.sort order) [| 0 .. g.Count - 1 |] "a permutation of the boxes"
          }

          test "the reference layout gives the paper's 7,968 boxes of more than 50 atoms on the four grains (box 16 Å, stride 1 Å)" {
              withData (fun data ->
                  let s =
                      StructureIO.read (Path.Combine(data, "polycrystal", "four_grains_elemental_solid.xyz"))
                      |> ok "four grains"

                  let count layout =
                      let g, _ =
                          SpmGrid.create
                              { SpmGrid.defaults with
                                  Box = 16.0
                                  Stride = 1.0
                                  Layout = layout }
                              s
                          |> ok "grid"

                      let h = 0.5 * g.Edge
                      let nx, ny, nz = g.Shape

                      let atomsIn (c: Vec3) =
                          s.Positions
                          |> Array.sumBy (fun p ->
                              let d = p - c

                              if d.X >= -h.X && d.X < h.X && d.Y >= -h.Y && d.Y < h.Y && d.Z >= -h.Z && d.Z < h.Z then
                                  1
                              else
                                  0)

                      let atoms =
                          [| for i in 0 .. nx - 1 do
                                 for j in 0 .. ny - 1 do
                                     for k in 0 .. nz - 1 -> atomsIn (SpmGrid.centre g i j k) |]

                      g.Count, atoms |> Array.filter (fun n -> n > 50) |> Array.length

                  let total, kept = count GridLayout.Reference
                  let oursTotal, _ = count GridLayout.Inside

                  printfn
                      "four grains, box 16 Å, stride 1 Å: reference grid %d boxes, %d with > 50 atoms (paper 7,968); ours %d"
                      total
                      kept
                      oursTotal

                  Expect.equal total (137 * 135) "the reference's 137 × 135 positions"
                  Expect.equal kept 7968 "the paper's 7,968 boxes"
                  Expect.equal oursTotal 7743 "ours: 89 × 87 boxes inside the sample")
          }

          test "slab grids span the sample in-plane and the whole thickness" {
              let s = bicrystal ()

              let grid, warnings =
                  SpmGrid.create
                      { SpmGrid.defaults with
                          Box = 10.0
                          Stride = 2.0 }
                      s
                  |> ok "grid"

              let lo, hi = Structure.bounds s
              let nx, ny, nz = grid.Shape
              Expect.equal nz 1 "one position across the thickness"
              Expect.equal nx (int (floor ((hi.X - lo.X - 10.0) / 2.0)) + 1) "x positions"
              Expect.equal ny (int (floor ((hi.Y - lo.Y - 10.0) / 2.0)) + 1) "y positions"
              Expect.isGreaterThan grid.Edge.Z (hi.Z - lo.Z) "box spans the thickness"
              Expect.isEmpty warnings "no warnings"
          }

          testProperty "the stray-atom check's quantiles: selection gives the value a sort puts at k (ties, runs, sorted input)"
          <| fun (values: FsCheck.NonEmptyArray<FsCheck.NormalFloat>) (seed: int) ->
              let raw = values.Get |> Array.map (fun v -> v.Get)
              // few distinct values (many ties), ascending and descending runs: the cases a partition gets wrong
              let cases =
                  [ raw
                    raw |> Array.map (fun v -> round (v / 10.0))
                    Array.sort raw
                    Array.sortDescending raw ]

              cases
              |> List.forall (fun c ->
                  let k = abs (seed % c.Length)
                  SpmGrid.selectInPlace (Array.copy c) k = (Array.sort c).[k])

          test "the heap marked for huge pages where the system grants them on request: a fresh large array lies in it" {
              let mode = "/sys/kernel/mm/transparent_hugepage/enabled"

              if not (File.Exists mode && (File.ReadAllText mode).Contains "[madvise]") then
                  skiptest "transparent huge pages are not given on request here (not Linux, or not madvise)"

              if Environment.GetEnvironmentVariable "ARISE_HUGE_PAGES" = "0" then
                  skiptest "ARISE_HUGE_PAGES=0 is set"

              match Arise.Numerics.HugePages.adviseHeap () with
              | Arise.Numerics.HugePages.NotAdvised why -> failtestf "the heap was not marked: %s" why
              | Arise.Numerics.HugePages.Advised bytes ->
                  Expect.isGreaterThan bytes (1L <<< 30) "the heap's reserve, over 1 GB"
                  // the mapping that holds a new array allocated after the advice carries the kernel's flag for it
                  let a = Array.zeroCreate<byte>(64 <<< 20)

                  let handle =
                      Runtime.InteropServices.GCHandle.Alloc(a, Runtime.InteropServices.GCHandleType.Pinned)

                  let address = int64 (handle.AddrOfPinnedObject())
                  handle.Free()
                  let smaps = File.ReadAllLines "/proc/self/smaps"

                  let holder =
                      smaps
                      |> Array.tryFindIndex (fun l ->
                          match Arise.Numerics.HugePages.rangeOf l with
                          | Some(lo, hi) -> lo <= address && address < hi
                          | None -> false)

                  let flags =
                      holder
                      |> Option.bind (fun i -> smaps.[i + 1 ..] |> Array.tryFind (fun l -> l.StartsWith "VmFlags:"))

                  Expect.isSome flags "the array's mapping found in /proc/self/smaps"
                  Expect.stringContains flags.Value " hg" "marked for huge pages (VmFlags hg)"
                  GC.KeepAlive a
          }

          test "a stray atom far from the sample makes too many boxes: refused with the reason, not run" {
              let s = bicrystal ()

              let stray =
                  Structure.cluster (Array.append s.Positions [| Vec3.make 1e6 0.0 0.0 |]) (Array.append s.Numbers [| 29 |])

              let e =
                  SpmGrid.create { SpmGrid.defaults with Stride = 0.5 } stray
                  |> err "stray atom"
                  |> string

              Expect.stringContains e (sprintf "atom %d lies" (Structure.count stray)) "the stray atom named"
              Expect.stringContains e "remove the stray atom" "what to do"
              // at 1e4 Å the grid stayed under the box limit and ran for minutes (issue 26 F13): named too
              let near =
                  Structure.cluster (Array.append s.Positions [| Vec3.make 0.0 1e4 0.0 |]) (Array.append s.Numbers [| 29 |])

              let e = SpmGrid.create SpmGrid.defaults near |> err "stray atom at 1e4" |> string
              Expect.stringContains e (sprintf "atom %d lies" (Structure.count near)) "named at 1e4 Å too"
              // without stray atoms, more boxes than the limit is still refused with the limit
              let wide = Crystals.fcc 29 3.61 |> Supercell.repeat 30 30 1

              let e =
                  SpmGrid.create { SpmGrid.defaults with Stride = 0.01 } wide
                  |> err "too many"
                  |> string

              Expect.stringContains e "more than the 2000000" "the limit"

              let huge =
                  Structure.cluster (Array.append s.Positions [| Vec3.make 1e30 0.0 0.0 |]) (Array.append s.Numbers [| 29 |])

              Expect.isError (SpmGrid.create SpmGrid.defaults huge) "1e30 Å: no integer overflow"
              Expect.isOk (SpmGrid.create SpmGrid.defaults s) "the sample itself is fine"
          }

          test "bad settings are reported: stride ≤ 0, box larger than the sample, a thin sample in bulk mode" {
              let s = bicrystal ()

              Expect.stringContains
                  (SpmGrid.create { SpmGrid.defaults with Stride = 0.0 } s
                   |> err "stride"
                   |> string)
                  "stride"
                  "stride"

              let g, w = SpmGrid.create { SpmGrid.defaults with Box = 500.0 } s |> ok "big box"
              Expect.equal g.Count 1 "one centred box"
              Expect.isNonEmpty w "and a warning"

              let _, w2 =
                  SpmGrid.create
                      { SpmGrid.defaults with
                          Mode = SpmMode.Bulk
                          Box = 30.0 }
                      s
                  |> ok "bulk"

              Expect.exists w2 (fun m -> (string m).Contains "slab") "2D sample in bulk mode"
          }

          testProperty "atoms in a box equal those found by scanning all atoms"
          <| fun (seed: int) ->
              let rng = Random(seed)
              let s = bicrystal ()

              let grid, _ =
                  SpmGrid.create
                      { SpmGrid.defaults with
                          Box = 4.0 + 8.0 * rng.NextDouble()
                          Stride = 3.0 }
                      s
                  |> ok "grid"

              let cells = CellList.build s
              let buffer = NeighbourBuffer()
              let nx, ny, nz = grid.Shape
              let c = SpmGrid.centre grid (rng.Next nx) (rng.Next ny) (rng.Next nz)
              let idx, _ = SpmGrid.atomsInBox cells grid c buffer
              let h = 0.5 * grid.Edge

              let brute =
                  [| for i in 0 .. Structure.count s - 1 do
                         let d = s.Positions.[i] - c

                         if d.X >= -h.X && d.X < h.X && d.Y >= -h.Y && d.Y < h.Y && d.Z >= -h.Z && d.Z < h.Z then
                             i |]

              Expect.equal (Array.sort idx) brute "same atoms"

          test "bulk mode scans a 3D grid and writes slice maps and isosurface views" {
              let model, r = bulkBccRun 7 10
              let nx, ny, nz = r.Grid.Shape
              Expect.isTrue (nx > 1 && ny > 1 && nz > 1) "3D grid"

              let bcc = Array.IndexOf(model.Metadata.Classes, "bcc_Fe")
              Expect.isTrue (r.Argmax |> Array.forall (fun a -> a = bcc || a = -1)) "bcc everywhere"

              let dir =
                  Path.Combine(Path.GetTempPath(), "arise-maps-" + Guid.NewGuid().ToString("N"))

              Directory.CreateDirectory dir |> ignore

              try
                  let files = SpmMaps.writeMaps dir 10 r
                  Expect.exists files (fun f -> f.EndsWith "volume_mutual_information.html") "isosurface view"

                  Expect.stringContains
                      (File.ReadAllText(files |> List.find (fun f -> f.Contains "volume_")))
                      "isosurface"
                      "plotly isosurface trace"

                  let mi = File.ReadAllText(List.head files)
                  Expect.stringContains mi "heatmap" "slice heatmap"
                  // what a reader needs on the picture: units, the colour bar's quantity, box, stride and the slice
                  Expect.stringContains mi "x (Å)" "x axis in Å"
                  Expect.stringContains mi "mutual information (nats)" "labelled colour bar"
                  Expect.stringContains mi "box 9 Å, stride 4 Å, T = 10" "box, stride and T in the title"
                  Expect.stringContains mi "slice z = " "the slice shown"

                  Expect.stringContains
                      (File.ReadAllText(files |> List.find (fun f -> f.Contains "map_probability_")))
                      "\"probability\""
                      "probability maps: colour bar titled probability"
              finally
                  Directory.Delete(dir, true)
          }

          test "maps shared by processes (writeMapsOf): each writes its own, and together every map writeMaps writes" {
              let _, r = bulkBccRun 7 10

              let dir = freshFolder "arise-maps-shared-"

              try
                  let all =
                      SpmMaps.writeMaps (Path.Combine(dir, "all")) 10 r |> List.map Path.GetFileName

                  Expect.isGreaterThanOrEqual all.Length 3 "a heatmap, a probability map and isosurface views"

                  let written rank =
                      let out = Path.Combine(dir, string rank)

                      let listed =
                          SpmMaps.writeMapsOf (fun k -> k % 2 = rank) out 10 r
                          |> List.map Path.GetFileName

                      Expect.equal listed all (sprintf "process %d lists every map, in writeMaps's order" rank)
                      Directory.GetFiles out |> Array.map Path.GetFileName |> Set.ofArray

                  let first, second = written 0, written 1

                  Expect.equal
                      first
                      (all
                       |> List.indexed
                       |> List.filter (fun (k, _) -> k % 2 = 0)
                       |> List.map snd
                       |> Set.ofList)
                      "its own"

                  Expect.isTrue (Set.intersect first second).IsEmpty "none written twice"
                  Expect.equal (Set.union first second) (Set.ofList all) "every map written once"
              finally
                  Directory.Delete(dir, true)
          }

          test "atoms.xyz placed by three processes (threads) from interleaved shares, lines exchanged in windows: writeAtoms's bytes" {
              let s = Crystals.fcc 29 3.61 |> Supercell.finite 5 4 3
              let n = Structure.count s
              let classes = [| "fcc_Cu"; "bcc_Fe" |]
              let rng = Random 7
              let probs = Array.init (2 * n) (fun _ -> float32 (rng.NextDouble()))
              // mutual information of varied lengths (lines of varied lengths), NaN for an atom in no box
              let mi =
                  Array.init n (fun a ->
                      if a % 17 = 0 then
                          nan
                      else
                          rng.NextDouble() * 10.0 ** float (a % 5))

              let boxes = Array.init n (fun a -> if a % 17 = 0 then 0 else 1 + a % 4)
              let labelled = SpmOutput.labelled s classes probs mi boxes
              let dir = freshFolder "arise-place-"

              try
                  let whole = Path.Combine(dir, "whole.xyz")
                  StructureIO.writeXyz whole [ labelled ]
                  // share k: the atoms a with a mod 3 = k, except that the third holds the last quarter whole
                  let shareOf k =
                      [| for a in 0 .. n - 1 do
                             let k' = if a >= 3 * n / 4 then 2 else a % 3

                             if k' = k then
                                 a |]

                  let template = Structure.select [||] labelled

                  let place (name: string) (shareOf: int -> int[]) (world: Arise.Numerics.Mpi.World) =
                      let share = shareOf world.Rank
                      let lines = SpmOutput.atomLines (Structure.select share labelled) share
                      SpmOutput.placeAtoms world (Path.Combine(dir, name)) template n lines

                  // 240 atoms: stretches of 80, windows of 16 atoms, so five rounds of exchanges
                  for r in inThreads 3 (place "placed.xyz" shareOf) do
                      Expect.isOk r "every process placed its stretch"

                  Expect.equal (File.ReadAllBytes(Path.Combine(dir, "placed.xyz"))) (File.ReadAllBytes whole) "the same bytes"
                  // two processes, the second holding nothing: the first sends every line of the second's stretch
                  for r in inThreads 2 (place "two.xyz" (fun k -> if k = 0 then Array.init n id else [||])) do
                      Expect.isOk r "every process placed its stretch"

                  Expect.equal (File.ReadAllBytes(Path.Combine(dir, "two.xyz"))) (File.ReadAllBytes whole) "the same bytes"
                  // an atom that no share holds is named, by the process whose stretch holds it, after every exchange
                  let gap = inThreads 3 (place "gap.xyz" (fun k -> if k = 1 then [||] else shareOf k))

                  match gap.[0] with
                  | Error e -> Expect.stringContains e.Message "atom 2 is in no process's share" "the first missing atom, counted from 1"
                  | Ok() -> failtest "the first process's stretch lacks atom 2"

                  // two shares holding one atom
                  let twice =
                      inThreads 2 (place "twice.xyz" (fun k -> if k = 0 then [| 0 .. n - 1 |] else [| n - 1 |]))

                  match twice.[1] with
                  | Error e -> Expect.stringContains e.Message (sprintf "atom %d is in the shares of processes 0 and 1" n) "named"
                  | Ok() -> failtest "the last atom is in two shares"

                  Expect.throwsT<ArgumentException>
                      (fun () -> SpmOutput.atomLines (Structure.select [| 1; 0 |] labelled) [| 1; 0 |] |> ignore)
                      "indices that do not ascend"
              finally
                  Directory.Delete(dir, true)
          }

          test "maps are rendered to PNG of the set size by a local Chromium, heatmaps and isosurface views alike" {
              match Picture.findChromium () with
              | None -> skiptest "no Chromium installed (Debian's chromium package renders the PNGs)"
              | Some _ ->
                  let _, r = bulkBccRun 6 5

                  let dir =
                      Path.Combine(Path.GetTempPath(), "arise-png-" + Guid.NewGuid().ToString("N"))

                  Directory.CreateDirectory dir |> ignore

                  try
                      let maps =
                          SpmMaps.writeMaps dir 10 r
                          |> List.filter (fun f -> f.Contains "mutual_information")

                      let pngs = Picture.writePngs maps
                      Expect.isEmpty pngs.Problems "no rendering problem"
                      Expect.equal pngs.Written.Length maps.Length "one PNG per map"

                      for png in pngs.Written do
                          Expect.equal (Picture.pngDimensions png) (Some Picture.pngSize) (png + " has the set size")
                          // a blank page compresses to a few kB; a rendered plot with axes and colours does not
                          Expect.isGreaterThan (FileInfo(png).Length) 12000L (png + " has content")
                  finally
                      Directory.Delete(dir, true)
          }

          test "a bicrystal is mapped fcc on one side and bcc on the other, with results that resume from chunks" {
              let model, s, settings, grid = bicrystalGrid 4.0

              let dir =
                  Path.Combine(Path.GetTempPath(), "arise-spm-" + Guid.NewGuid().ToString("N"))

              try
                  let r, _ =
                      Spm.run (Pipeline.ofModel model) 20 1 settings grid s (Some dir) (fun _ _ -> ()) Threading.CancellationToken.None

                  let fcc = Array.IndexOf(model.Metadata.Classes, "fcc_Cu")
                  let bcc = Array.IndexOf(model.Metadata.Classes, "bcc_Fe")

                  let side cls predicate =
                      [| for f in 0 .. grid.Count - 1 do
                             if predicate r.Centres.[f].X && r.Argmax.[f] >= 0 then
                                 r.Argmax.[f] = cls |]

                  let leftFcc = side fcc (fun x -> x < -8.0)
                  let rightBcc = side bcc (fun x -> x > 8.0)
                  Expect.isNonEmpty leftFcc "boxes on the fcc side"
                  Expect.isTrue (Array.forall id leftFcc) "fcc side is fcc"
                  Expect.isTrue (Array.forall id rightBcc) "bcc side is bcc"
                  // per-atom labels: atoms far from the boundary carry their grain's class
                  let c = r.Classes.Length

                  for a in 0 .. Structure.count s - 1 do
                      let x = s.Positions.[a].X

                      if r.AtomBoxes.[a] > 0 && abs x > 12.0 then
                          let best =
                              Array.init c (fun k -> r.AtomProbabilities.[a * c + k])
                              |> Array.indexed
                              |> Array.maxBy snd
                              |> fst

                          Expect.equal best (if x < 0.0 then fcc else bcc) "atom label"
                  // a second run reads the chunks back and gives the same maps
                  let r2, _ =
                      Spm.run (Pipeline.ofModel model) 20 1 settings grid s (Some dir) (fun _ _ -> ()) Threading.CancellationToken.None

                  Expect.equal r2.Argmax r.Argmax "resumed from chunks"
                  // a damaged or foreign chunk is recomputed, never used (issue 26 F8, F9)
                  let chunk = Path.Combine(dir, "chunk_00000.npz")
                  let whole = Arise.Numerics.Npy.readNpz chunk |> ok "chunk"

                  let rerunWith (what: string) (arrays: Map<string, Arise.Numerics.Npy.NpyArray>) =
                      Arise.Numerics.Npy.writeNpz chunk (Map.toList arrays)

                      let again, _ =
                          Spm.run (Pipeline.ofModel model) 20 1 settings grid s (Some dir) (fun _ _ -> ()) Threading.CancellationToken.None

                      Expect.equal again.Probabilities r.Probabilities (what + ": recomputed, the same numbers")
                      Expect.equal again.Argmax r.Argmax (what + ": the same classes")

                  let probabilities = whole.[SpmKeys.Probabilities]
                  let flipped = Array.copy probabilities.Data
                  flipped.[7] <- flipped.[7] ^^^ 0x40uy
                  rerunWith "one flipped bit" (whole |> Map.add SpmKeys.Probabilities { probabilities with Data = flipped })
                  let mi = whole.[SpmKeys.MutualInformation]

                  rerunWith
                      "arrays of the wrong length"
                      (whole
                       |> Map.add
                           SpmKeys.MutualInformation
                           { mi with
                               Data = mi.Data.[.. mi.Data.Length - 9]
                               Shape = [ mi.Shape.Head - 1 ] })

                  rerunWith
                      "another chunk's"
                      (whole
                       |> Map.add SpmKeys.Run (Arise.Numerics.Npy.stringVector [| "another run"; "0" |]))

                  rerunWith "no checksum" (whole |> Map.remove SpmKeys.Checksum)
                  // a whole chunk of this run is used as it is: a forged one with a valid checksum shows it
                  let forged = Array.copy probabilities.Data
                  forged.[3] <- forged.[3] ^^^ 0x01uy

                  let forgedArrays =
                      whole |> Map.add SpmKeys.Probabilities { probabilities with Data = forged }

                  let keys =
                      [ SpmKeys.Atoms
                        SpmKeys.Probabilities
                        SpmKeys.MutualInformation
                        SpmKeys.Argmax ]
                      @ [ for h in 1 .. r.Hidden.Length -> SpmKeys.hidden h ]

                  let resealed =
                      forgedArrays
                      |> Map.add
                          SpmKeys.Checksum
                          (Arise.Numerics.Npy.stringVector [| Arise.Numerics.RunStore.checksum [ for k in keys -> k, forgedArrays.[k] ] |])

                  Arise.Numerics.Npy.writeNpz chunk (Map.toList resealed)

                  let used, _ =
                      Spm.run (Pipeline.ofModel model) 20 1 settings grid s (Some dir) (fun _ _ -> ()) Threading.CancellationToken.None

                  Expect.notEqual used.Probabilities r.Probabilities "a valid chunk is read back, not recomputed"
                  // chunks of another run are not reused: a model whose fcc and bcc outputs are swapped maps the other way
                  let last = model.Network.Layers.Length - 1
                  let l = model.Network.Layers.[last]

                  let swapped =
                      Array.init l.Weights.Length (fun k ->
                          let row, col = k / l.Outputs, k % l.Outputs

                          let col =
                              if col = fcc then bcc
                              elif col = bcc then fcc
                              else col

                          l.Weights.[row * l.Outputs + col])

                  let bias =
                      Array.init l.Outputs (fun c ->
                          l.Bias
                              .[if c = fcc then bcc
                                elif c = bcc then fcc
                                else c])

                  let layers = Array.copy model.Network.Layers

                  layers.[last] <-
                      { l with
                          Weights = swapped
                          Bias = bias }

                  let other =
                      { model with
                          Network = { model.Network with Layers = layers } }

                  let r3, _ =
                      Spm.run (Pipeline.ofModel other) 20 1 settings grid s (Some dir) (fun _ _ -> ()) Threading.CancellationToken.None

                  let leftOfOther =
                      [| for f in 0 .. grid.Count - 1 do
                             if r3.Centres.[f].X < -8.0 && r3.Argmax.[f] >= 0 then
                                 r3.Argmax.[f] = bcc |]

                  Expect.isNonEmpty leftOfOther "boxes on the fcc side"
                  Expect.isTrue (Array.forall id leftOfOther) "the other model's map (fcc side read as bcc), not the first run's chunks"
                  SpmOutput.writeCsv (Path.Combine(dir, "boxes.csv")) r
                  let lines = File.ReadAllLines(Path.Combine(dir, "boxes.csv"))
                  Expect.equal lines.[0] "x,y,z,atoms,class,probability,mutual_information" "csv header"
                  Expect.equal lines.Length (grid.Count + 1) "one row per box"
                  // spm.npz through its one schema module: written, read back, damage refused with the reason
                  let npz = Path.Combine(dir, "spm.npz")
                  SpmFile.write npz r
                  let data = SpmFile.read npz |> ok "read back"
                  Expect.equal (data.Labels |> Array.map BoxLabel.toArgmax) r.Argmax "labels"
                  Expect.equal data.Grid.Shape r.Grid.Shape "grid"
                  Expect.equal data.Hidden r.Hidden "hidden layers"
                  Expect.equal (data.Width 1) model.Metadata.Hidden.[0] "width of layer 1"
                  let keys = Arise.Numerics.Npy.readNpz npz |> ok "archive" |> Map.keys |> Set.ofSeq
                  Expect.isTrue (keys.Contains "hidden_1" && not (keys.Contains "hidden_0")) "hidden_1 is the first layer, as --layer 1"
                  // a file of an earlier version (hidden_0 first) still reads, with the same layers
                  let legacy = Path.Combine(dir, "legacy.npz")

                  Arise.Numerics.Npy.readNpz npz
                  |> ok "archive"
                  |> Map.toList
                  |> List.map (fun (k, a) ->
                      if k.StartsWith "hidden_" then
                          sprintf "hidden_%d" (int (k.Substring 7) - 1), a
                      else
                          k, a)
                  |> Arise.Numerics.Npy.writeNpz legacy

                  Expect.equal (SpmFile.read legacy |> ok "legacy read").Hidden r.Hidden "legacy hidden_0.. read"

                  Expect.isTrue
                      (Array.forall2
                          (fun (a: float) b -> a = b || Double.IsNaN a && Double.IsNaN b)
                          data.MutualInformation
                          r.MutualInformation)
                      "mutual information"

                  let arrays = Arise.Numerics.Npy.readNpz npz |> ok "npz"
                  let without (key: string) = arrays |> Map.remove key |> Map.toList
                  let damaged = Path.Combine(dir, "damaged.npz")
                  Arise.Numerics.Npy.writeNpz damaged (without SpmKeys.MutualInformation)
                  Expect.stringContains (SpmFile.read damaged |> err "no MI") "no mutual_information" "a missing array named"

                  Arise.Numerics.Npy.writeNpz
                      damaged
                      ((SpmKeys.Argmax, Arise.Numerics.Npy.int32Vector (Array.create r.Argmax.Length 9999))
                       :: without SpmKeys.Argmax)

                  Expect.stringContains (SpmFile.read damaged |> err "bad class") "out of range" "a class index out of range"
              finally
                  if Directory.Exists dir then
                      Directory.Delete(dir, true)
          } ]

[<Tests>]
let builderTests =
    testList
        "sample builders"
        [ test "a Voronoi polycrystal keeps its grains apart, inside the box, with every grain present" {
              let size = Vec3.make 40.0 40.0 12.0
              let grains = [ Crystals.fcc 29 3.61; Crystals.bcc 26 2.87; Crystals.fcc 13 4.05 ]
              let s = Polycrystal.voronoi 5 grains size true 2.0
              let lo, hi = Structure.bounds s
              Expect.isGreaterThanOrEqual (min lo.X (min lo.Y lo.Z)) 0.0 "inside the box (low)"
              Expect.isTrue (hi.X < size.X && hi.Y < size.Y && hi.Z < size.Z) "inside the box (high)"

              let grainIds =
                  match s.AtomProperties |> List.tryFind (fst >> (=) "grain") with
                  | Some(_, Integers(1, g)) -> g
                  | _ -> failtest "grain property"

              Expect.equal (Array.distinct grainIds |> Array.sort) [| 0; 1; 2 |] "three grains"
              let cells = CellList.build s
              Expect.equal (CellList.countPairs cells s 2.0 false) 0L "no atoms closer than 2 Å"
              // density close to the crystals' (no gaps, no doubled regions)
              Expect.isGreaterThan (Structure.count s) 1200 "filled"
          }

          test "random rotations are proper rotations" {
              let rng = Random(3)

              for _ in 1..20 do
                  let r = Polycrystal.randomRotation rng
                  let det = Vec3.dot r.R0 (Vec3.cross r.R1 r.R2)
                  Expect.floatClose Accuracy.high det 1.0 "det = 1"
                  Expect.floatClose Accuracy.high (Vec3.dot r.R0 r.R1) 0.0 "orthogonal rows"
          }

          test "the superalloy model has an L1₂ Ni₃Al precipitate in a Ni-Al fcc matrix" {
              let s = Polycrystal.superalloy 1 3.6 36.0 18.0 0.1

              let inside =
                  match s.AtomProperties |> List.tryFind (fst >> (=) "precipitate") with
                  | Some(_, Logicals(1, v)) -> v
                  | _ -> failtest "property"

              let frac sel =
                  let zs =
                      [| for i in 0 .. s.Numbers.Length - 1 do
                             if sel inside.[i] then
                                 s.Numbers.[i] |] in

                  float (zs |> Array.filter ((=) 13) |> Array.length) / float zs.Length

              Expect.floatClose Accuracy.veryHigh (frac id) 0.25 "Ni₃Al inside"
              Expect.floatClose { absolute = 0.03; relative = 0.0 } (frac not) 0.1 "10 % Al in the matrix"
              Expect.equal (Structure.count s) (4 * 10 * 10 * 10) "fcc sites"
          } ]
