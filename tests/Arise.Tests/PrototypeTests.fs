module Arise.Tests.PrototypeTests

open System
open System.IO
open Expecto
open Arise.Structure
open Arise.Tests.Common

[<Tests>]
let tests =
    testList
        "prototypes"
        [ test "all 108 prototype classes of the data release load, in 6 material types" {
              withData (fun data ->
                  let lib = Prototypes.load (prototypesDir data)
                  Expect.isEmpty lib.Errors "no unreadable prototype"
                  Expect.equal lib.Prototypes.Length 108 "classes"
                  let types = lib.Prototypes |> List.countBy (fun p -> p.MaterialType) |> Map.ofList
                  Expect.equal types.Count 6 "material types"
                  Expect.equal types.["Nanotubes"] 12 "nanotubes"
                  Expect.equal types.["2D_materials"] 46 "2D materials")
          }

          test "the pristine training set of the 108 classes has 39,204 descriptors" {
              withData (fun data ->
                  let lib = Prototypes.load (prototypesDir data)
                  Expect.equal (Arise.Model.TrainingSet.expectedRows lib) 39204 "classes × structures × 99 settings"
                  Expect.equal Arise.Model.TrainingSet.settings.Length 99 "11 R_C × 3 σ × 3 extrinsic scales")
          }

          test "supercell sets follow the replica rules (table of 108 × atom counts)" {
              withData (fun data ->
                  let lib = Prototypes.load (prototypesDir data)
                  printfn "%-34s %-17s %6s  %s" "class" "type" "cell" "finite supercells (replicas: atoms)"

                  for p in lib.Prototypes do
                      let versions = Prototypes.finiteVersions p
                      let n = Structure.count p.Structure

                      printfn
                          "%-34s %-17s %6d  %s"
                          p.Name
                          p.MaterialType
                          n
                          (versions
                           |> List.map (fun ((a, b, c), s) -> sprintf "%dx%dx%d: %d" a b c (Structure.count s))
                           |> String.concat ", ")

                      if Prototypes.isFinite p then
                          Expect.isGreaterThanOrEqual n 100 "nanotubes already have ≥ 100 atoms"
                      else
                          let counts = versions |> List.map (snd >> Structure.count)
                          let (a, _, _) = versions.Head |> fst
                          Expect.isGreaterThanOrEqual counts.Head 100 "smallest supercell has ≥ 100 atoms"

                          if a > 1 then
                              let smaller =
                                  if Prototypes.isTwoD p then
                                      n * (a - 1) * (a - 1)
                                  else
                                      n * (a - 1) * (a - 1) * (a - 1)

                              Expect.isLessThan smaller 100 "and is the smallest such"

                          Expect.equal versions.Length 3 "three sizes"

                          for ((r0, r1, r2), s) in versions do
                              Expect.equal (Structure.count s) (n * r0 * r1 * r2) "atoms = cell atoms × replicas"
                              Expect.isNone s.Cell "finite versions have no cell"

                              if Prototypes.isTwoD p then
                                  Expect.equal r2 1 "2D materials repeat n×n×1")
          }

          test "the reference CSV's supercells are among ours, with the same atom counts" {
              withData (fun data ->
                  let lib = Prototypes.load (prototypesDir data)

                  for row in readMeta data do
                      let p =
                          lib.Prototypes
                          |> List.find (fun p -> p.Name = row.ClassFolder || p.Name = row.Label)

                      if row.Periodic then
                          Expect.equal (Structure.count p.Structure) row.Atoms (sprintf "row %d periodic atoms" row.Row)
                      else
                          let versions = Prototypes.finiteVersions p
                          let reps = versions |> List.map fst
                          let (a, b, c) = row.Replicas
                          // the CSV writes n×n×n for some 2D rows (identical descriptors, soap.md §4)
                          let matching =
                              reps
                              |> List.tryFindIndex (fun (x, y, z) -> x = a && y = b && (z = c || Prototypes.isTwoD p))

                          Expect.isSome matching (sprintf "row %d %s replicas %A in %A" row.Row row.Label row.Replicas reps)

                          if not (Prototypes.isTwoD p) || c = 1 then
                              Expect.equal (Structure.count (snd versions.[matching.Value])) row.Atoms (sprintf "row %d atoms" row.Row))
          }

          test "a class is added by adding a folder" {
              let root =
                  Path.Combine(Path.GetTempPath(), "arise-protos-" + Guid.NewGuid().ToString("N"))

              try
                  let dir = Path.Combine(root, "Elemental_solids", "MyFe")
                  Directory.CreateDirectory dir |> ignore

                  File.WriteAllText(
                      Path.Combine(dir, "fe.in"),
                      "lattice_vector 2.87 0 0\nlattice_vector 0 2.87 0\nlattice_vector 0 0 2.87\natom 0 0 0 Fe\natom 1.435 1.435 1.435 \
                            Fe\n"
                  )

                  let bad = Path.Combine(root, "Elemental_solids", "Broken")
                  Directory.CreateDirectory bad |> ignore
                  File.WriteAllText(Path.Combine(bad, "x.in"), "atom 0 0 zero Fe\n")
                  let lib = Prototypes.load root
                  Expect.equal (lib.Prototypes |> List.map (fun p -> p.MaterialType, p.Name)) [ "Elemental_solids", "MyFe" ] "new class"
                  Expect.equal lib.Errors.Length 1 "the broken class is reported, the others load"
              finally
                  Directory.Delete(root, true)
          } ]
