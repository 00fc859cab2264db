/// Transparent huge pages (2 MB) for the managed heap on Linux, where the system gives them only to memory that asks
/// (`/sys/kernel/mm/transparent_hugepage/enabled` = madvise, the default of Debian and Ubuntu): first use of fresh memory
/// then faults once every 2 MB instead of every 4 KB.
module Arise.Numerics.HugePages

/// What `adviseHeap` did.
type Advice =
    /// The heap's reserved range (bytes) was marked for huge pages.
    | Advised of bytes: int64
    /// Nothing was done, and why (not Linux, huge pages off or already always on, ARISE_HUGE_PAGES=0, the range not found).
    | NotAdvised of reason: string

/// The address range (start, end) a line of /proc/self/maps or /proc/self/smaps begins with, None for other lines.
val internal rangeOf: line: string -> (int64 * int64) option

/// Marks the managed heap's reserved address range for transparent huge pages (madvise MADV_HUGEPAGE), once per
/// process; later calls return the first answer. Changes no value a program computes, only how its memory is paged.
val adviseHeap: unit -> Advice
