from playbookgen.entry import main

main()
