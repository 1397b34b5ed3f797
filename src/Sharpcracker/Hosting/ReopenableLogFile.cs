using System.Text;

namespace Sharpcracker.Hosting;

/// <summary>
/// The -o log file as a TextWriter that SIGHUP can reopen (logrotate: rename the file, send
/// SIGHUP, the proxy continues in a new file at the same path). Writes and the swap take one
/// lock; logging is off the request path.
/// </summary>
internal sealed class ReopenableLogFile : TextWriter
{
    private readonly object _lock = new();
    private StreamWriter _writer;

    public ReopenableLogFile(string path)
    {
        Path = path;
        _writer = Open(path);
    }

    public string Path { get; }

    public override Encoding Encoding => Encoding.UTF8;

    private static StreamWriter Open(string path) => new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete), new UTF8Encoding(false)) { AutoFlush = true };

    /// <summary>Opens the path again (creating it) and closes the old file; on failure the old file stays in use.</summary>
    public void Reopen()
    {
        var fresh = Open(Path);
        StreamWriter old;
        lock (_lock)
        {
            old = _writer;
            _writer = fresh;
        }
        old.Dispose();
    }

    public override void Write(char value)
    {
        lock (_lock)
        {
            _writer.Write(value);
        }
    }

    public override void Write(string? value)
    {
        lock (_lock)
        {
            _writer.Write(value);
        }
    }

    public override void WriteLine(string? value)
    {
        lock (_lock)
        {
            _writer.WriteLine(value);
        }
    }

    public override void Flush()
    {
        lock (_lock)
        {
            _writer.Flush();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_lock)
            {
                _writer.Dispose();
            }
        }
        base.Dispose(disposing);
    }
}
