module Arise.Numerics.HugePages

open System
open System.IO
open System.Runtime.InteropServices

type Advice =
    | Advised of bytes: int64
    | NotAdvised of reason: string

[<DllImport("libc", EntryPoint = "madvise", SetLastError = true)>]
extern int private madvise(nativeint addr, unativeint length, int advice)

[<Literal>]
let private MADV_HUGEPAGE = 14

let internal rangeOf (line: string) =
    match line.Split(' ').[0].Split('-') with
    | [| lo; hi |] ->
        match
            Int64.TryParse(lo, Globalization.NumberStyles.HexNumber, null), Int64.TryParse(hi, Globalization.NumberStyles.HexNumber, null)
        with
        | (true, a), (true, b) -> Some(a, b)
        | _ -> None
    | _ -> None

/// The mappings of /proc/self/maps: (start, end, anonymous) for each.
let private mappings () =
    File.ReadAllLines "/proc/self/maps"
    |> Array.choose (fun line ->
        // an anonymous mapping names no file (the heap's reserve and its committed parts)
        let anonymous = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length < 6

        rangeOf line |> Option.map (fun (s, e) -> s, e, anonymous))

/// The contiguous anonymous mappings around `address`: the heap's reserve, split where parts are committed.
let private rangeAround (address: int64) =
    let maps = mappings ()
    // mappings k and k + 1 are anonymous, and k + 1 begins where k ends
    let joins k =
        let _, e, first = maps.[k]
        let s, _, second = maps.[k + 1]
        first && second && s = e

    maps
    |> Array.tryFindIndex (fun (s, e, anonymous) -> anonymous && s <= address && address < e)
    |> Option.map (fun i ->
        let mutable lo = i
        let mutable hi = i

        while lo > 0 && joins (lo - 1) do
            lo <- lo - 1

        while hi < maps.Length - 1 && joins hi do
            hi <- hi + 1

        let s, _, _ = maps.[lo]
        let _, e, _ = maps.[hi]
        s, e)

let private advise () =
    let setting = "/sys/kernel/mm/transparent_hugepage/enabled"

    if not (OperatingSystem.IsLinux()) then
        NotAdvised "not Linux"
    elif Environment.GetEnvironmentVariable "ARISE_HUGE_PAGES" = "0" then
        NotAdvised "ARISE_HUGE_PAGES=0"
    elif not (File.Exists setting) then
        NotAdvised "no transparent huge pages in this kernel"
    else
        let mode = File.ReadAllText(setting)

        if mode.Contains "[never]" then
            NotAdvised "transparent huge pages are off"
        elif mode.Contains "[always]" then
            NotAdvised "transparent huge pages are always on"
        else
            // an address inside the heap: a pinned array's (the pinned-object heap lies in the same reserve as the others)
            let probe = GC.AllocateUninitializedArray<byte>(100_000, pinned = true)
            let handle = GCHandle.Alloc(probe, GCHandleType.Pinned)
            let address = int64 (handle.AddrOfPinnedObject())
            handle.Free()

            match rangeAround address with
            | None -> NotAdvised "the heap's range was not found"
            | Some(s, e) ->
                if madvise (nativeint s, unativeint (e - s), MADV_HUGEPAGE) = 0 then
                    Advised(e - s)
                else
                    NotAdvised(sprintf "madvise failed (errno %d)" (Marshal.GetLastPInvokeError()))

let private once =
    lazy
        (try
            advise ()
         with e ->
             NotAdvised e.Message)

let adviseHeap () = once.Force()
