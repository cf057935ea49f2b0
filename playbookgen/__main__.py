from playbookgen.cli import main

main()
