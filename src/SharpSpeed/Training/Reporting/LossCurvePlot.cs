namespace SharpSpeed.Training.Reporting;

/// <summary>Renders loss_curve.png: training loss per logged step, and evaluation loss where measured.</summary>
public static class LossCurvePlot
{
    public static void Save(
        string path,
        IReadOnlyList<(long Step, double Loss)> train,
        IReadOnlyList<(long Step, double Loss)> eval)
    {
        var plot = new ScottPlot.Plot();
        if (train.Count > 0)
        {
            var line = plot.Add.Scatter(
                train.Select(p => (double)p.Step).ToArray(), train.Select(p => p.Loss).ToArray());
            line.LegendText = "train loss";
            line.MarkerSize = train.Count > 60 ? 0 : 4;
        }
        if (eval.Count > 0)
        {
            var points = plot.Add.Scatter(
                eval.Select(p => (double)p.Step).ToArray(), eval.Select(p => p.Loss).ToArray());
            points.LegendText = "eval loss";
            points.MarkerSize = 7;
        }
        plot.Title("SharpSpeed training loss");
        plot.XLabel("optimizer step");
        plot.YLabel("loss (cross-entropy, nats/token)");
        plot.ShowLegend();
        plot.SavePng(path, 900, 540);
    }
}
