/// MPI through the system's libmpi, loaded at run time (a small P/Invoke layer of our own): Open MPI (handles are
/// pointers to exported objects) and MPICH and its relatives (Intel MPI, Cray MPICH, MVAPICH: integer handles), told
/// apart by the symbols the library exports. Without a launcher (mpirun, mpiexec, srun) nothing is loaded and a run
/// is one process, as always.
module Arise.Numerics.Mpi

/// The processes of a run started by an MPI launcher (MPI_COMM_WORLD).
type World =
    /// This process's rank, 0 … Size − 1.
    abstract Rank: int

    /// Number of processes.
    abstract Size: int

    /// "Open MPI" or "MPICH" (the handle convention found).
    abstract Abi: string

    /// Waits until every process has reached it.
    abstract Barrier: unit -> unit

    /// `root`'s bytes, on every process (the others pass anything; the length travels first).
    abstract Broadcast: bytes: byte array * root: int -> byte array

    /// The sum over all processes of each element, on every process.
    abstract SumAll: values: float array -> float array

    /// Sends `bytes` to process `toRank` while receiving the bytes that process `fromRank` sends to this one, into
    /// `into` when it is long enough (else a new array; null for always), returned as the segment they fill (their
    /// length travels first; MPI_Sendrecv, so a ring of such calls cannot deadlock). `toRank` must call it with this
    /// process as its `fromRank`, at the same point.
    abstract SendReceive: bytes: System.ArraySegment<byte> * toRank: int * fromRank: int * into: byte array -> System.ArraySegment<byte>

    /// Ends MPI (MPI_Finalize); called once, before the process exits.
    inherit System.IDisposable

/// Process `rank`'s contiguous block of `n` items, as (start, count): the first n mod size processes take one more,
/// so that the first process always has one when there is any.
val block: n: int -> size: int -> rank: int -> int * int

/// Every other process's `bytes`, in the first (processes 1 … Size − 1 in order; an empty list elsewhere): a
/// broadcast from each in turn, so every process calls it, once, at the same point.
val gatherToFirst: world: World -> bytes: byte array -> byte array list

/// The number of processes a launcher says this run has (OMPI_COMM_WORLD_SIZE, PMI_SIZE, PMIX_SIZE, SLURM_NTASKS
/// under srun with a step), or 1.
val launchedSize: unit -> int

/// Joins the run's processes: None when this is one process (no launcher, or a launcher with one process); Error
/// when a launcher started several but no libmpi could be loaded or initialised (ARISE_LIBMPI names the library
/// file when it is not found as libmpi.so.40 or libmpi.so.12).
val tryJoin: unit -> Result<World option, string>
