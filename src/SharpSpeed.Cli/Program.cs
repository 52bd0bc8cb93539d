using System.Globalization;
using SharpSpeed.Cli;
using SharpSpeed.Comm;
using SharpSpeed.Training;

// Threads the library starts itself take the invariant culture too (see SharpSpeedCommandLine.Run).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.InvariantCulture;

// Before anything touches TorchSharp: libgomp reads its settings once, when libtorch loads.
OpenMpWaiting.Configure();
var exitCode = SharpSpeedCommandLine.Run(args, Console.Out, Console.Error);
// Under `sharpspeed launch` a failing rank names itself: mpirun does not always say which rank failed.
if (RankExit.Describe(exitCode, Environment.GetEnvironmentVariable) is { } line)
{
    Console.Error.WriteLine(line);
}
return exitCode;
