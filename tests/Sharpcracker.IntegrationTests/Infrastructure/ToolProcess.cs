using System.Diagnostics;

namespace Sharpcracker.IntegrationTests.Infrastructure;

/// <summary>Runs a command-line client to completion (bounded) and returns its exit code and output.</summary>
public static class ToolProcess
{
    public static async Task<(int Exit, string Out, string Err)> RunAsync(string program, IEnumerable<string> args, TimeSpan? within = null, string? stdin = null)
    {
        var info = new ProcessStartInfo(program.StartsWith('/') ? program : InstalledProgram.Find(program))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        using var process = Process.Start(info)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(within ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish: {await stdout} {await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
