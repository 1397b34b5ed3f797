namespace Sharpcracker.Testing;

/// <summary>Waiting for a state another process exposes only through its replies: poll it, with a deadline.</summary>
public static class Poll
{
    /// <summary>Retries <paramref name="attempt"/> until it returns a result; throws <see cref="TimeoutException"/> after <paramref name="within"/>.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> attempt, TimeSpan within, string what)
        where T : class
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            if (await attempt() is { } result)
            {
                return result;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(what);
            }
            await Task.Delay(50); // polling a state the proxy exposes only through replies
        }
    }
}
