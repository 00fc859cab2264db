module Arise.Numerics.Mpi

#nowarn "9"

open System
open System.Runtime.InteropServices
open Microsoft.FSharp.NativeInterop

type World =
    abstract Rank: int
    abstract Size: int
    abstract Abi: string
    abstract Barrier: unit -> unit
    abstract Broadcast: bytes: byte array * root: int -> byte array
    abstract SumAll: values: float array -> float array
    abstract SendReceive: bytes: ArraySegment<byte> * toRank: int * fromRank: int * into: byte array -> ArraySegment<byte>
    inherit IDisposable

/// Process `rank`'s contiguous block of `n` items: the first n mod size processes take one more.
let block (n: int) (size: int) (rank: int) =
    let q, extra = n / size, n % size
    let start = rank * q + min rank extra
    start, q + (if rank < extra then 1 else 0)

let launchedSize () =
    [ "OMPI_COMM_WORLD_SIZE"; "PMI_SIZE"; "PMIX_SIZE"; "SLURM_NTASKS" ]
    |> List.tryPick (fun name ->
        match Int32.TryParse(Environment.GetEnvironmentVariable name) with
        | true, n when
            n >= 1
            && (name <> "SLURM_NTASKS"
                || not (isNull (Environment.GetEnvironmentVariable "SLURM_STEP_ID")))
            ->
            Some n
        | _ -> None)
    |> Option.defaultValue 1

[<UnmanagedFunctionPointer(CallingConvention.Cdecl)>]
type private InitFn = delegate of nativeint * nativeint -> int

[<UnmanagedFunctionPointer(CallingConvention.Cdecl)>]
type private NoArgFn = delegate of unit -> int

[<UnmanagedFunctionPointer(CallingConvention.Cdecl)>]
type private CommOutFn = delegate of nativeint * nativeint -> int

[<UnmanagedFunctionPointer(CallingConvention.Cdecl)>]
type private CommFn = delegate of nativeint -> int

[<UnmanagedFunctionPointer(CallingConvention.Cdecl)>]
type private BcastFn = delegate of nativeint * int * nativeint * int * nativeint -> int

[<UnmanagedFunctionPointer(CallingConvention.Cdecl)>]
type private AllreduceFn = delegate of nativeint * nativeint * int * nativeint * nativeint * nativeint -> int

[<UnmanagedFunctionPointer(CallingConvention.Cdecl)>]
type private SendrecvFn =
    delegate of nativeint * int * nativeint * int * int * nativeint * int * nativeint * int * int * nativeint * nativeint -> int

[<DllImport("libc", EntryPoint = "dlopen")>]
extern nativeint private dlopen(string file, int mode)

/// Open MPI's components need the library's symbols globally (RTLD_NOW | RTLD_GLOBAL).
let private openGlobal (file: string) =
    try
        dlopen (file, 0x102)
    with _ ->
        0n

let private candidates () =
    [ match Environment.GetEnvironmentVariable "ARISE_LIBMPI" with
      | null
      | "" -> ()
      | path -> yield path
      // the launcher's own family first: Open MPI's mpirun sets OMPI_COMM_WORLD_SIZE; MPICH's Hydra (and Intel MPI,
      // MVAPICH) set PMI_SIZE, and a machine may have both libraries (Debian names MPICH's libmpich.so.12)
      let openMpi = [ "libmpi.so.40" ]
      let mpich = [ "libmpich.so.12"; "libmpi.so.12" ]

      if isNull (Environment.GetEnvironmentVariable "OMPI_COMM_WORLD_SIZE") then
          yield! mpich @ openMpi
      else
          yield! openMpi @ mpich

      yield "libmpi.so" ]

type private Library(handle: nativeint) =
    member _.Has(name: string) =
        let mutable address = 0n
        NativeLibrary.TryGetExport(handle, name, &address)

    member _.Address(name: string) = NativeLibrary.GetExport(handle, name)

    member l.Fn<'D when 'D :> Delegate>(name: string) =
        Marshal.GetDelegateForFunctionPointer<'D>(l.Address name)

/// MPI_COMM_WORLD, MPI_BYTE, MPI_DOUBLE, MPI_SUM by convention: Open MPI exports the objects, MPICH uses constants.
let private handles (lib: Library) =
    if lib.Has "ompi_mpi_comm_world" then
        "Open MPI",
        lib.Address "ompi_mpi_comm_world",
        lib.Address "ompi_mpi_byte",
        lib.Address "ompi_mpi_double",
        lib.Address "ompi_mpi_op_sum"
    else
        "MPICH", 0x44000000n, 0x4c00010dn, 0x4c00080bn, 0x58000003n

/// MPI_PROC_NULL, a partner that sends and receives nothing.
let private procNullOf (abi: string) = if abi = "Open MPI" then -2 else -1

type private Joined(lib: Library, abi: string, comm: nativeint, byteType: nativeint, doubleType: nativeint, sum: nativeint) =
    let check (what: string) (code: int) =
        if code <> 0 then
            failwithf "MPI: %s failed (error %d)" what code

    let scratch = Marshal.AllocHGlobal 8
    // an MPI_Status for either ABI (Open MPI's is 24 bytes, MPICH's 20), never read
    let status = Marshal.AllocHGlobal 64
    let rankFn = lib.Fn<CommOutFn> "MPI_Comm_rank"
    let sizeFn = lib.Fn<CommOutFn> "MPI_Comm_size"
    let barrierFn = lib.Fn<CommFn> "MPI_Barrier"
    let bcastFn = lib.Fn<BcastFn> "MPI_Bcast"
    let allreduceFn = lib.Fn<AllreduceFn> "MPI_Allreduce"
    let sendrecvFn = lib.Fn<SendrecvFn> "MPI_Sendrecv"
    let procNull = procNullOf abi
    let finalizeFn = lib.Fn<NoArgFn> "MPI_Finalize"

    let query (fn: CommOutFn) (what: string) =
        check what (fn.Invoke(comm, scratch))
        Marshal.ReadInt32 scratch

    let rank = query rankFn "MPI_Comm_rank"
    let size = query sizeFn "MPI_Comm_size"
    let mutable finalized = false

    interface World with
        member _.Rank = rank
        member _.Size = size
        member _.Abi = abi

        member _.Barrier() =
            check "MPI_Barrier" (barrierFn.Invoke comm)

        member _.Broadcast(bytes: byte array, root: int) =
            let length = [| int64 (if rank = root then bytes.Length else 0) |]

            do
                use p = fixed length
                check "MPI_Bcast" (bcastFn.Invoke(NativePtr.toNativeInt p, 8, byteType, root, comm))

            let data =
                if rank = root then
                    bytes
                else
                    Array.zeroCreate (int length.[0])

            if data.Length > 0 then
                use p = fixed data
                check "MPI_Bcast" (bcastFn.Invoke(NativePtr.toNativeInt p, data.Length, byteType, root, comm))

            data

        member _.SumAll(values: float array) =
            let result = Array.zeroCreate<float> values.Length

            if values.Length > 0 then
                use s = fixed values
                use r = fixed result

                check
                    "MPI_Allreduce"
                    (allreduceFn.Invoke(NativePtr.toNativeInt s, NativePtr.toNativeInt r, values.Length, doubleType, sum, comm))

            result

        member _.SendReceive(bytes: ArraySegment<byte>, toRank: int, fromRank: int, into: byte array) =
            let sendrecv (what: nativeint) (count: int) (target: int) (into: nativeint) (room: int) (source: int) (tag: int) =
                check
                    "MPI_Sendrecv"
                    (sendrecvFn.Invoke(what, count, byteType, target, tag, into, room, byteType, source, tag, comm, status))

            // the lengths first, then the bytes in pieces of at most 1 GB (MPI counts are 32-bit)
            let sent = [| int64 bytes.Count |]
            let length = [| 0L |]

            do
                use s = fixed sent
                use r = fixed length
                sendrecv (NativePtr.toNativeInt s) 8 toRank (NativePtr.toNativeInt r) 8 fromRank 0

            let received =
                if not (isNull into) && into.Length >= int length.[0] then
                    into
                else
                    Array.zeroCreate<byte>(int length.[0])

            // each direction in its own number of pieces; a side with none left takes part as MPI_PROC_NULL
            let piece = 1 <<< 30
            let pieces (n: int) = (n + piece - 1) / piece
            let bytesOut = if bytes.Count > 0 then bytes.Array else [| 0uy |]
            use s = fixed bytesOut
            use r = fixed (if received.Length > 0 then received else [| 0uy |])

            let first =
                NativePtr.toNativeInt s
                + nativeint (if bytes.Count > 0 then bytes.Offset else 0)

            for i in 0 .. max (pieces bytes.Count) (pieces (int length.[0])) - 1 do
                let at = i * piece
                let count = max 0 (min piece (bytes.Count - at))
                let room = max 0 (min piece (int length.[0] - at))

                sendrecv
                    (first + nativeint (if count > 0 then at else 0))
                    count
                    (if count > 0 then toRank else procNull)
                    (NativePtr.toNativeInt r + nativeint (if room > 0 then at else 0))
                    room
                    (if room > 0 then fromRank else procNull)
                    1

            ArraySegment(received, 0, int length.[0])

        member _.Dispose() =
            if not finalized then
                finalized <- true
                finalizeFn.Invoke() |> ignore
                Marshal.FreeHGlobal scratch
                Marshal.FreeHGlobal status

let gatherToFirst (world: World) (bytes: byte[]) =
    [ for k in 1 .. world.Size - 1 do
          let received = world.Broadcast((if world.Rank = k then bytes else [||]), k)

          if world.Rank = 0 then
              received ]

let tryJoin () : Result<World option, string> =
    if launchedSize () <= 1 then
        Ok None
    else
        let loaded =
            candidates ()
            |> List.tryPick (fun file ->
                let h = openGlobal file
                if h <> 0n then Some(file, h) else None)

        match loaded with
        | None ->
            Error(
                sprintf
                    "started by an MPI launcher with %d processes, but no MPI library could be loaded (tried %s; set ARISE_LIBMPI \
                     to the libmpi file)"
                    (launchedSize ())
                    (String.Join(", ", candidates ()))
            )
        | Some(file, h) ->
            try
                let lib = Library h
                let abi, comm, byteType, doubleType, sum = handles lib
                let code = (lib.Fn<InitFn> "MPI_Init").Invoke(0n, 0n)

                if code <> 0 then
                    Error(sprintf "MPI_Init failed in %s (error %d)" file code)
                else
                    Ok(Some(new Joined(lib, abi, comm, byteType, doubleType, sum) :> World))
            with e ->
                Error(sprintf "%s: %s" file e.Message)
