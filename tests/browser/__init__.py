"""Browser tests: the built playbook as readers see it, in headless Chromium driven by Playwright."""
