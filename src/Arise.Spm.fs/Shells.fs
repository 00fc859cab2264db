module Arise.Spm.Shells

open System
open System.Globalization
open Arise.Structure

type Shell =
    { Inner: float
      Outer: float
      Boxes: int
      MeanMutualInformation: float
      StdMutualInformation: float
      MedianMutualInformation: float
      MeanTopProbability: float
      MainClass: string
      MainShare: float }

let profile (width: float) (centre: Vec3) (r: SpmResult) : Shell array =
    if not (width > 0.0 && Double.IsFinite width) then
        invalidArg "width" (sprintf "the shell width must be a positive number of Å (got %g)" width)

    let classes = r.Classes.Length

    let boxes =
        [| for b in 0 .. r.Centres.Length - 1 do
               if r.Argmax.[b] >= 0 then
                   yield b, Vec3.norm (r.Centres.[b] - centre) |]

    if boxes.Length = 0 then
        [||]
    else
        let count = int (floor ((boxes |> Array.map snd |> Array.max) / width)) + 1

        let byShell =
            boxes |> Array.groupBy (fun (_, d) -> int (floor (d / width))) |> Map.ofArray

        Array.init count (fun k ->
            let members = byShell |> Map.tryFind k |> Option.defaultValue [||] |> Array.map fst
            let mi = members |> Array.map (fun b -> r.MutualInformation.[b])

            let stats =
                if mi.Length = 0 then
                    nan, nan, nan
                else
                    let mean = Array.average mi
                    let sorted = Array.sort mi
                    let n = sorted.Length

                    let median =
                        if n % 2 = 1 then
                            sorted.[n / 2]
                        else
                            0.5 * (sorted.[n / 2 - 1] + sorted.[n / 2])

                    mean, sqrt (Array.averageBy (fun v -> (v - mean) ** 2.0) mi), median

            let mean, std, median = stats

            let top =
                if members.Length = 0 then
                    nan
                else
                    members
                    |> Array.averageBy (fun b -> float r.Probabilities.[b * classes + r.Argmax.[b]])

            let main, share =
                if members.Length = 0 then
                    "", nan
                else
                    let c, n = members |> Array.countBy (fun b -> r.Argmax.[b]) |> Array.maxBy snd
                    r.Classes.[c], float n / float members.Length

            { Inner = float k * width
              Outer = float (k + 1) * width
              Boxes = members.Length
              MeanMutualInformation = mean
              StdMutualInformation = std
              MedianMutualInformation = median
              MeanTopProbability = top
              MainClass = main
              MainShare = share })

let table (shells: Shell array) =
    [ yield sprintf "  %-16s %6s %10s %10s  %s" "distance (Å)" "boxes" "MI mean" "MI s.d." "main class"
      for s in shells do
          if s.Boxes > 0 then
              yield
                  sprintf
                      "  %6.1f – %-7.1f %6d %10.4f %10.4f  %s (%.0f %%)"
                      s.Inner
                      s.Outer
                      s.Boxes
                      s.MeanMutualInformation
                      s.StdMutualInformation
                      s.MainClass
                      (100.0 * s.MainShare) ]

let toCsv (shells: Shell array) =
    let f (x: float) =
        if Double.IsNaN x then
            ""
        else
            x.ToString("R", CultureInfo.InvariantCulture)

    let quote (s: string) =
        if s.IndexOfAny [| ','; '"' |] >= 0 then
            "\"" + s.Replace("\"", "\"\"") + "\""
        else
            s

    let lines =
        [ yield "inner_A,outer_A,boxes,mi_mean,mi_std,mi_median,top_probability,main_class,main_share"
          for s in shells ->
              String.Join(
                  ",",
                  [ f s.Inner
                    f s.Outer
                    string s.Boxes
                    f s.MeanMutualInformation
                    f s.StdMutualInformation
                    f s.MedianMutualInformation
                    f s.MeanTopProbability
                    quote s.MainClass
                    f s.MainShare ]
              ) ]

    String.Join("\n", lines) + "\n"
