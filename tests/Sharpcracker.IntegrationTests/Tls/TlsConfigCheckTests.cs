using System.Diagnostics;

namespace Sharpcracker.IntegrationTests.Tls;

/// <summary><c>sharpcracker -t</c> on TLS keys: a missing key file names the file and the key; a good one passes.</summary>
public sealed class TlsConfigCheckTests(TestCertificates certs) : IClassFixture<TestCertificates>
{
    private string Identity(string name = "server") => $"  tls_cert_file: {certs.Cert(name)}\n  tls_key_file: {certs.Key(name)}\n";

    [Fact]
    public void TestConfig_WithMissingKey_FailsWithTheFileAndKey()
    {
        var dir = Directory.CreateTempSubdirectory("sc-tls-conf");
        try
        {
            var conf = Path.Combine(dir.FullName, "nutcracker.yml");
            File.WriteAllText(conf, $"p:\n  listen: 127.0.0.1:22121\n  tls_cert_file: {certs.Cert("server")}\n  tls_key_file: {dir.FullName}/gone.key\n  servers:\n    - 127.0.0.1:11211:1\n");
            var (exit, err) = Run("-t", "-c", conf);
            Assert.Equal(1, exit);
            Assert.Contains($"directive \"tls_key_file\" (line 4): cannot read '{dir.FullName}/gone.key'", err);
            Assert.Contains("syntax is invalid", err);

            File.WriteAllText(conf, $"p:\n  listen: 127.0.0.1:22121\n{Identity()}  servers:\n    - 127.0.0.1:11211:1\n");
            var (okExit, okErr) = Run("-t", "-c", conf);
            Assert.True(okExit == 0, okErr);
            Assert.Contains("syntax is ok", okErr);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static (int Exit, string Err) Run(params string[] args)
    {
        using var p = Process.Start(SharpcrackerExecutable.StartInfo(args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(30000), "sharpcracker did not exit");
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
