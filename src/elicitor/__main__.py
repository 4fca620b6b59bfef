from elicitor.cli.main import main

main()
