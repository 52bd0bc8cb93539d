using SharpSpeed.Tests.MpiWorker;

// usage: worker <scenario> <output directory> [scenario arguments]; exit 2 on bad usage.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: SharpSpeed.Tests.MpiWorker collectives|hold|failing-rank|environment|engine|engine-throughput|collected-while-running OUTPUT_DIR [MAX_ELEMENTS_PER_CALL]");
    return 2;
}
var outputDirectory = args[1];
Directory.CreateDirectory(outputDirectory);
return args[0] switch
{
    "collectives" => CollectivesScenario.Run(outputDirectory, args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : int.MaxValue),
    "hold" => HoldScenario.Run(outputDirectory),
    "failing-rank" => FailingRankScenario.Run(outputDirectory),
    "environment" => EnvironmentScenario.Run(outputDirectory),
    "engine" => EngineScenario.Run(outputDirectory, args[2..]),
    "engine-throughput" => EngineThroughputScenario.Run(outputDirectory, args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 0),
    "collected-while-running" => CollectedWhileRunningScenario.Run(outputDirectory, args[2], args[3], args[4] == "qlora"),
    _ => Unknown(args[0]),
};

static int Unknown(string scenario)
{
    Console.Error.WriteLine($"unknown scenario '{scenario}'");
    return 2;
}
