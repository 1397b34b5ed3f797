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

LoadResult result;
try
{
    result = await LoadRunner.RunAsync(options);
}
catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException)
{
    Console.Error.WriteLine($"sharpcracker-loadgen: cannot connect to {options.Host}:{options.Port}: {e.Message}");
    return 3;
}
catch (HandshakeRefusedException e)
{
    Console.Error.WriteLine($"sharpcracker-loadgen: {options.Host}:{options.Port} refused the handshake: {e.Message}");
    return 3;
}
Console.Out.WriteLine(result.Render());
foreach (var sample in result.ErrorSamples)
{
    Console.Error.WriteLine($"sharpcracker-loadgen: error: {sample}");
}
return result.Errors > 0 ? 2 : 0;
