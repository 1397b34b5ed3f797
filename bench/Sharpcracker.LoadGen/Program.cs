using Sharpcracker.LoadGen;

LoadOptions options;
try
{
    if (args.Contains("-h") || args.Contains("--help"))
    {
        Console.Out.Write(LoadOptions.Usage);
        return 0;
    }
    options = LoadOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"sharpcracker-loadgen: {e.Message}");
    Console.Error.Write(LoadOptions.Usage);
    return 1;
}

var result = await LoadRunner.RunAsync(options);
Console.Out.WriteLine(result.Render());
foreach (var sample in result.ErrorSamples)
{
    Console.Error.WriteLine($"sharpcracker-loadgen: error: {sample}");
}
return result.Errors > 0 ? 2 : 0;
