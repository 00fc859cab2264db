(**
# Classification and uncertainty

The network was trained on ideal structures only. It is used with Monte Carlo dropout: T forward passes with
random dropout masks give T probability vectors; their mean is the prediction and the mutual information between
the prediction and the network's weights (paper Eq. 5, in nats) says how much the passes disagree. 0 means every
pass agrees.
*)
(*** hide ***)
#load "../scripts/References.fsx"
(*** show ***)
open System
open Arise

let recognizer = Recognizer.Default
let fcc = Structures.Supercell(Structures.Fcc("Cu", 3.61), 6, finite = true)
let fccIndex = Array.IndexOf(recognizer.Classes, "fcc_Cu_A_cF4_225_a")

(**
## Damage

Remove a fraction η of the atoms and displace every atom by up to δ·d_NN (the paper's defects): the probability of
fcc stays high through strong damage, and where the model starts to doubt, the mutual information rises.
*)
printfn "   δ     η   P(fcc)      MI  level"
for delta in [ 0.0; 0.06; 0.1 ] do
    for eta in [ 0.0; 0.3; 0.6 ] do
        let damaged = Structures.Displace(Structures.RemoveAtoms(fcc, eta, seed = 7), delta, seed = 7)
        let r = recognizer.Classify(damaged, samples = 100)
        let p = r.Probabilities.[fccIndex]
        printfn "%4.0f%% %4.0f%%  %7.3f  %6.3f  %s" (100.0 * delta) (100.0 * eta) p r.MutualInformation r.Uncertainty
(*** include-output ***)

(**
## What the levels mean

The mutual information is reported with a level: *low* below 0.03 nats, *moderate* to 0.1, *high* to 0.3, *very
high* above. For the embedded model the levels were calibrated on the 118,188 structures of Table 1's protocol
(pristine and defective, T = 100): 0.06 %, 0.5 %, 3.5 % and 20 % of the predictions at each level were wrong. The
result carries that rate (`ErrorRate`; NaN for models of your own, whose levels were not measured):
*)
let r = recognizer.Classify(Structures.Displace(fcc, 0.1, seed = 3), samples = 100)
sprintf "%s: MI %.3f nats, %s, %.2f %% of such predictions were wrong" r.Best.Class r.MutualInformation r.Uncertainty (100.0 * r.ErrorRate)
(*** include-it ***)

(**
A structure of a class the model does not know, several grains in one box, or too few atoms also raise the mutual
information; the [maps](spm.fsx) show where in a sample that happens. The probabilities as a chart:
*)
Charts.Probabilities r |> Plotly.NET.GenericChart.toChartHTML
(*** include-it-raw ***)
