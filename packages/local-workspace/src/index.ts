// placeholder: written by the warehouse work
export {};
