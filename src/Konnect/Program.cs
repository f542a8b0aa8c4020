Console.WriteLine("konnect");
