// Regenerates tests/fixtures/lammps-classic.csv and lammps-classic-checksums.csv: per-atom labels from LAMMPS on
// the displacement series of Arise.Classic.Lattices (7 lattices × 7 levels, the cells the tests rebuild).
//  * fixed-cutoff CNA: Debian's stock `lmp` (apt-get install lammps), `compute cna/atom` with each lattice's cutoff;
//  * PTM and Ackland–Jones: a LAMMPS rebuilt from Debian's own source package with the PTM and EXTRA-COMPUTE
//    packages (Debian's binary lacks both), `compute ptm/atom all 0.1 all` and `compute ackland/atom`:
//      echo 'deb-src http://deb.debian.org/debian bookworm main' > /opt/lmp-ptm/apt/sources.list
//      APTOPT="-o Dir::Etc::SourceList=/opt/lmp-ptm/apt/sources.list -o Dir::Etc::SourceParts=/dev/null \
//              -o Dir::State::Lists=/opt/lmp-ptm/apt/lists"
//      apt-get $APTOPT update && apt-get $APTOPT source --download-only lammps
//      tar xJf lammps_20220106.git7586adbb6a+ds1.orig.tar.xz && mkdir build-ptm && cd build-ptm
//      cmake ../lammps-0~20220106.git7586adbb6a/cmake -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_MPI=OFF \
//        -DCMAKE_DISABLE_FIND_PACKAGE_MPI=ON -DBUILD_OMP=ON -DPKG_PTM=ON -DPKG_EXTRA-COMPUTE=ON -DLAMMPS_EXCEPTIONS=ON \
//        -DWITH_JPEG=OFF -DWITH_PNG=OFF -DWITH_FFMPEG=OFF -DWITH_GZIP=OFF
//      ninja -j2        # about 9 minutes on 2 cores
//    (-DCMAKE_DISABLE_FIND_PACKAGE_MPI=ON: without it CMake's MPI probe fails on this image.)
// LAMMPS's PTM looks up the neighbours of a ghost atom in the central atom's list (compute_ptm_atom.cpp,
// get_neighbours), which loses diamond/graphene second shells next to the box faces: 1–5 % of the atoms of a
// 216-atom diamond cell came out "other" even at 0.1 % displacement, all within one bond of a face. So LAMMPS gets
// the 3×3×3 replica of each cell with the original atoms in the middle (ids 1…N), and their labels are kept.
// Run:  ./arise --version && dotnet fsi scripts/lammps-fixtures.fsx [--lmp lmp] [--lmp-ptm /opt/lmp-ptm/build-ptm/lmp]
#load "Common.fsx"

open System
open System.IO
open System.Diagnostics
open Common
open Arise.Structure
open Arise.Classic
open Arise.Structure.Formats

let fixtures = Path.Combine(ScriptArgs.root, "tests", "fixtures")
let lmp = ScriptArgs.get "--lmp" "lmp"
let lmpPtm = ScriptArgs.get "--lmp-ptm" "/opt/lmp-ptm/build-ptm/lmp"
let work = Path.Combine(Path.GetTempPath(), "arise-lammps-fixtures")
Directory.CreateDirectory work |> ignore
let inv = Globalization.CultureInfo.InvariantCulture

let run (exe: string) (input: string) =
    let psi =
        ProcessStartInfo(exe, sprintf "-in %s -log none -nocite -screen none" input, UseShellExecute = false, WorkingDirectory = work)

    use p = Process.Start psi
    p.WaitForExit()

    if p.ExitCode <> 0 then
        failwithf "%s -in %s failed (exit %d)" exe input p.ExitCode

/// Per-atom columns of a one-frame LAMMPS dump, by atom id (sorted).
let readDump (path: string) =
    let lines = File.ReadAllLines path
    let header = lines |> Array.findIndex (fun l -> l.StartsWith "ITEM: ATOMS")

    lines.[header + 1 ..]
    |> Array.map (fun l -> l.Split(' ', StringSplitOptions.RemoveEmptyEntries))

let rows =
    Collections.Generic.List<string>([ "lattice,delta,atom,cna,ptm,ptm_rmsd,ackland" ])

let sums = Collections.Generic.List<string>([ "lattice,delta,atoms,checksum" ])

for lattice in Lattices.all do
    for delta in Lattices.displacements do
        let s = Lattices.displaced lattice delta
        let tag = sprintf "%s-%g" lattice.Name (delta * 100.0)
        let data = Path.Combine(work, tag + ".data")
        let c = s.Cell.Value

        let shifts =
            [ for i in -1 .. 1 do
                  for j in -1 .. 1 do
                      for k in -1 .. 1 do
                          if (i, j, k) <> (0, 0, 0) then
                              float i * c.A + float j * c.B + float k * c.C ]

        let middle = c.A + c.B + c.C

        let replica =
            Structure.periodic
                (Cell.make (3.0 * c.A) (3.0 * c.B) (3.0 * c.C))
                (Array.append
                    (s.Positions |> Array.map (fun p -> p + middle))
                    [| for d in shifts do
                           for p in s.Positions -> p + middle + d |])
                (Array.replicate 27 s.Numbers |> Array.concat)

        match Lammps.writeData replica with
        | Error e -> failwith e
        | Ok text -> File.WriteAllText(data, text)

        let common =
            [ "units metal"
              "boundary p p p"
              "atom_style atomic"
              sprintf "read_data %s" data
              String.Format(inv, "pair_style zero {0:R}", 2.1 * lattice.NearestNeighbour)
              "pair_coeff * *" ]

        let write name (computes: string list) (columns: string) =
            let input = Path.Combine(work, tag + "." + name + ".in")

            File.WriteAllLines(
                input,
                common
                @ computes
                @ [ sprintf "dump d all custom 1 %s.%s.dump id %s" tag name columns
                    "dump_modify d sort id"
                    "run 0" ]
            )

            input

        run lmp (write "cna" [ String.Format(inv, "compute cna all cna/atom {0:R}", lattice.CnaCutoff) ] "c_cna")
        run lmpPtm (write "ptm" [ "compute ptm all ptm/atom all 0.1 all"; "compute ack all ackland/atom" ] "c_ptm[1] c_ptm[2] c_ack")
        let cna = readDump (Path.Combine(work, tag + ".cna.dump"))
        let ptm = readDump (Path.Combine(work, tag + ".ptm.dump"))

        if cna.Length <> 27 * s.Positions.Length || ptm.Length <> 27 * s.Positions.Length then
            failwithf "%s: atom count differs" tag

        for i in 0 .. s.Positions.Length - 1 do
            let rmsd = Double.Parse(ptm.[i].[2], inv)

            let rmsdText =
                if Double.IsFinite rmsd then
                    rmsd.ToString("0.######", inv)
                else
                    "inf"

            rows.Add(String.Join(",", lattice.Name, delta.ToString(inv), string i, cna.[i].[1], ptm.[i].[1], rmsdText, ptm.[i].[3]))

        sums.Add(
            String.Join(",", lattice.Name, delta.ToString(inv), string s.Positions.Length, (Lattices.positionChecksum s).ToString("R", inv))
        )

        printfn "%-9s δ %5.1f %%: %d atoms" lattice.Name (delta * 100.0) s.Positions.Length

File.WriteAllLines(Path.Combine(fixtures, "lammps-classic.csv"), rows)
File.WriteAllLines(Path.Combine(fixtures, "lammps-classic-checksums.csv"), sums)
printfn "wrote %d rows to tests/fixtures/lammps-classic.csv" (rows.Count - 1)
