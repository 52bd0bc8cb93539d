using SharpSpeed.Cli;

return SharpSpeedCommandLine.Run(args, Console.Out, Console.Error);
