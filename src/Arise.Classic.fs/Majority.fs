/// Per-structure labels from per-atom ones.
module Arise.Classic.Majority

/// The most frequent label among the atoms a method identified (`isOther` marks the unidentified ones); None when
/// no atom was identified. Ties go to the label seen first.
let vote (isOther: 'T -> bool) (labels: 'T[]) : 'T option =
    let identified = labels |> Array.filter (isOther >> not)

    if identified.Length = 0 then
        None
    else
        Some(identified |> Array.countBy id |> Array.maxBy snd |> fst)
