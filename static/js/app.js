// archreview: progressive enhancement only; every form also works with JavaScript off.
