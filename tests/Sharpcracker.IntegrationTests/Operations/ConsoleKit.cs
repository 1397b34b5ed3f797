using System.Text.Json;

namespace Sharpcracker.IntegrationTests.Operations;

/// <summary>Helpers for the operator console tests: HTTP on the metrics port, the status JSON, backends read directly.</summary>
internal static class ConsoleKit
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public static async Task<(int Status, string Body)> GetAsync(int port, string pathAndQuery)
    {
        using var response = await s_http.GetAsync($"http://127.0.0.1:{port}{pathAndQuery}");
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static async Task<JsonElement> JsonAsync(int port, string pathAndQuery)
    {
        var (status, body) = await GetAsync(port, pathAndQuery);
        Assert.True(status == 200, $"{pathAndQuery}: {status} {body}");
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.Clone();
    }

    /// <summary>The state the status JSON gives for one server.</summary>
    public static async Task<string> ServerStateAsync(int port, string pool, string server)
    {
        var status = await JsonAsync(port, "/api/status");
        var p = status.GetProperty("pools").EnumerateArray().Single(x => x.GetProperty("name").GetString() == pool);
        return p.GetProperty("servers").EnumerateArray().Single(x => x.GetProperty("name").GetString() == server).GetProperty("state").GetString()!;
    }

    /// <summary>Waits (bounded, polling the status JSON) until the server shows <paramref name="state"/>.</summary>
    public static Task WaitStateAsync(int port, string pool, string server, string state)
        => Poll.UntilAsync(async () => await ServerStateAsync(port, pool, server) == state ? "" : null,
            TimeSpan.FromSeconds(30), $"pool {pool} server {server} never became {state}");

    /// <summary>Waits (bounded) until /ready answers <paramref name="status"/>; returns its body.</summary>
    public static Task<string> WaitReadyAsync(int port, int status)
        => Poll.UntilAsync(async () => await GetAsync(port, "/ready") is var (s, body) && s == status ? body : null,
            TimeSpan.FromSeconds(30), $"/ready never answered {status}");

    /// <summary>
    /// The first /ready body with <paramref name="status"/> that contains <paramref name="text"/>: for
    /// states that alternate (an ejected server is "probing" while each retry probe runs).
    /// </summary>
    public static Task<string> WaitReadyAsync(int port, int status, string text)
        => Poll.UntilAsync(async () => await GetAsync(port, "/ready") is var (s, body) && s == status && body.Contains(text, StringComparison.Ordinal) ? body : null,
            TimeSpan.FromSeconds(30), $"/ready never answered {status} with \"{text}\"");

    /// <summary>The repository root (for conf/ files), found from the test binary's directory.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sharpcracker.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}
