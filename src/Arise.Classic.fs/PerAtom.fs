/// Per-atom loops in parallel, each thread with its own neighbour buffer.
module internal Arise.Classic.PerAtom

open Arise.Structure

/// Array.init n f over all processors; f gets a neighbour buffer owned by its thread.
let init (n: int) (f: NeighbourBuffer -> int -> 'T) : 'T[] =
    let out = Array.zeroCreate n

    System.Threading.Tasks.Parallel.For(
        0,
        n,
        (fun () -> NeighbourBuffer()),
        (fun i _ buffer ->
            out.[i] <- f buffer i
            buffer),
        ignore
    )
    |> ignore

    out

/// Array.mapi over all processors.
let mapi (f: int -> 'T -> 'U) (xs: 'T[]) : 'U[] =
    let out = Array.zeroCreate xs.Length

    System.Threading.Tasks.Parallel.For(0, xs.Length, fun i -> out.[i] <- f i xs.[i])
    |> ignore

    out
