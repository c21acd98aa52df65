import { createTheme, darken, defaultVariantColorsResolver, parseThemeColor, type CSSVariablesResolver, type MantineColorsTuple, type VariantColorsResolver } from '@mantine/core';

/**
 * Light badges and buttons (status tags everywhere) print their text in the colour's darkest shade,
 * darkened a little more, and filled ones sit on a darker ground: Mantine's defaults are below
 * WCAG AA contrast for small text.
 */
const variantColorResolver: VariantColorsResolver = (input) => {
  const colors = defaultVariantColorsResolver(input);
  const parsed = parseThemeColor({ color: input.color || input.theme.primaryColor, theme: input.theme });
  const darkest = parsed.isThemeColor ? input.theme.colors[parsed.color]?.[9] : undefined;
  if (!darkest) return colors;
  if (input.variant === 'light') return { ...colors, color: darken(darkest, 0.3), hoverColor: darken(darkest, 0.3) };
  // Filled green or orange buttons with white text need a darker ground than Mantine's shade.
  if (input.variant === 'filled' && parsed.color !== input.theme.primaryColor) return { ...colors, background: darken(darkest, 0.15), hover: darken(darkest, 0.25) };
  return colors;
};

// A deep ink blue: the colour of ledgers and stamp pads, calm on screens people look at all day.
const ink: MantineColorsTuple = ['#eef3fb', '#dbe4f3', '#b3c6e6', '#88a6d9', '#6589ce', '#4f77c8', '#436ec6', '#355daf', '#2c529d', '#1c3d6e'];

export const theme = createTheme({
  primaryColor: 'ink',
  variantColorResolver,
  primaryShade: 8,
  colors: { ink },
  fontFamily: 'Inter, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif',
  fontFamilyMonospace: '"JetBrains Mono", "SFMono-Regular", Menlo, Consolas, monospace',
  defaultRadius: 'sm',
  headings: { fontWeight: '600' },
  components: {
    Table: { defaultProps: { verticalSpacing: 6, horizontalSpacing: 'sm', fz: 'sm' } },
    Button: { defaultProps: { size: 'sm' } },
    // Every icon-only close button (dialogs, drawers, notifications, clearable inputs) has a name.
    CloseButton: { defaultProps: { 'aria-label': 'Close' } },
  },
});

/**
 * Mantine's dimmed grey (gray.6) is below WCAG AA contrast on white and light grey: one shade darker.
 * So is its error red (red.6, the text under an input a refusal names): red.9 (5.4:1 on white).
 */
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)', '--mantine-color-error': 'var(--mantine-color-red-9)' },
  dark: {},
});
